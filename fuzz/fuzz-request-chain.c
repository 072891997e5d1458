/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-request-chain.c - the whole way from a client's bytes to the
 * message the opener acts on: sb_proto_request_decode(), request_build(),
 * policy_check() and request_seal() in the broker, then what the opener
 * does with the message, opener_msg_check() and policy_rule_permits()
 * against the rule it names.
 *
 * Input: one byte choosing the socket a Bind or SetOption comes with
 * (its family, type and protocol, from the table below), one byte for
 * the peer's uid (0..3 of the table), then the request. The policy is
 * fixed, compiled once, and covers every family and operation.
 *
 * The invariant: the broker never builds a message the opener would
 * refuse, above all none that the rule it names does not permit, which
 * would end the opener (and, for a broker taken over, is exactly the
 * request the opener exists to refuse). And a refusal's hint names only
 * addresses the policy allows the peer.
 */
#include "config.h"

#include <errno.h>
#include <linux/can.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/bt.h"
#include "daemon/broker/request.h"
#include "daemon/shared/opener-proto.h"
#include "fuzz/fuzz.h"
#include "policy/policy-compile.h"
#include "proto/protocol.h"

static const char policy_text[] =
        "allow uid=1 inet raw proto=icmp\n"
        "allow uid=1 inet raw proto=icmp iface=lo netns=host\n"
        "allow uid=1 inet6 raw proto=ipv6-icmp iface=lo\n"
        "allow uid=1 packet raw proto=all iface=lo\n"
        "allow uid=1 packet dgram proto=0x88b5 iface=eth*\n"
        "allow uid=1 inet stream proto=tcp bind=80,443\n"
        "allow uid=1 inet6 dgram proto=udp bind=53 netns=host\n"
        "allow uid=1 inet dgram option=mark:1-100,priority:0-7,rcvbufforce:0-4194304\n"
        "allow uid=1 inet dgram option=bindtodevice iface=lo,eth0\n"
        "allow uid=2 can raw iface=vcan0 link=up,down,bitrate bitrate=500000\n"
        "allow uid=2 can raw proto=raw iface=vcan* fd=yes netns=host\n"
        "allow uid=2 can dgram proto=bcm iface=vcan0\n"
        "allow uid=2 can dgram proto=isotp iface=vcan0 rx=0x7e0-0x7ef tx=0x7e0-0x7ef\n"
        "allow uid=2 can dgram proto=j1939 iface=vcan0 addr=0x20-0x30 pgn=0x12300\n"
        "allow uid=3 bluetooth raw proto=hci dev=0 hci=raw events=le-meta,command-complete "
        "command=read-bd-addr,le-set-scan-enable\n"
        "allow uid=3 bluetooth raw proto=hci hci=monitor\n"
        "allow uid=3 bluetooth seqpacket proto=l2cap dev=0,1 bind=0x0001-0x1001\n"
        "allow uid=3 bluetooth stream proto=rfcomm dev=0,1 channel=1-30\n"
        "allow uid=3 bluetooth seqpacket proto=sco dev=0\n"
        "deny uid=0 any\n"
        "allow uid=0 admin\n";

/* A refusal names the addresses the rules would allow (the broker's
 * "allowed on:"): each must be one the policy allows this peer. */
static void check_hint(const policy *p, const struct policy_peer *peer,
                       const struct policy_request *req)
{
        char hint[128];

        request_address_hint(p, peer, req, hint, sizeof(hint));
        for (char *name = hint, *next; name && *name; name = next) {
                struct policy_request on = *req;
                const struct policy_rule *rule = NULL;
                unsigned dev;
                int n = 0;

                next = strstr(name, ", ");
                if (next) {
                        *next = '\0';
                        next += 2;
                }
                if (req->family == AF_BLUETOOTH) {
                        on.has_channel = true;
                        if (strcmp(name, "monitor") == 0 || strcmp(name, "control") == 0) {
                                on.channel = name[0] == 'm' ? HCI_CHANNEL_MONITOR : HCI_CHANNEL_CONTROL;
                        } else {
                                FUZZ_ASSERT(sscanf(name, "hci%u%n", &dev, &n) == 1 &&
                                            (name[n] == '\0' || strcmp(name + n, ",user") == 0),
                                            "hint \"%s\" names no controller", name);
                                on.has_dev = true;
                                on.dev = dev;
                                on.channel = name[n] ? HCI_CHANNEL_USER : HCI_CHANNEL_RAW;
                        }
                } else {
                        FUZZ_ASSERT(req->family == AF_PACKET || req->family == AF_CAN,
                                    "a hint for family %u", req->family);
                        on.ifname = name;
                }
                FUZZ_ASSERT(policy_check(p, peer, &on, &rule) == POLICY_VERDICT_ALLOW,
                            "the hint names \"%s\", which the policy does not allow", name);
        }
}

/* The sockets a Bind or SetOption may come with, as the kernel would
 * report them. */
static const struct policy_request sockets[] = {
        { .family = AF_INET, .type = SOCK_STREAM, .protocol = IPPROTO_TCP },
        { .family = AF_INET6, .type = SOCK_DGRAM, .protocol = IPPROTO_UDP },
        { .family = AF_INET, .type = SOCK_DGRAM, .protocol = IPPROTO_UDP },
        { .family = AF_INET, .type = SOCK_RAW, .protocol = IPPROTO_ICMP },
        { .family = AF_BLUETOOTH, .type = SOCK_SEQPACKET, .protocol = BTPROTO_L2CAP },
        { .family = AF_PACKET, .type = SOCK_RAW, .protocol = ETH_P_ALL },
        { .family = AF_CAN, .type = SOCK_RAW, .protocol = CAN_RAW },
        { .family = AF_UNIX, .type = SOCK_STREAM, .protocol = 0 },
};

static int no_name(const char *name, uint32_t *ret, void *userdata)
{
        return -ENOENT;
}

static const struct policy_resolver no_names = {
        .user = (int (*)(const char *, uid_t *, void *))no_name,
        .group = (int (*)(const char *, gid_t *, void *))no_name,
};

static policy *the_policy(void)
{
        static policy *p;
        struct policy_source src = { .name = "chain.conf", .text = policy_text,
                                     .len = sizeof(policy_text) - 1 };
        struct policy_error err = {};

        if (!p && policy_compile(&src, 1, &no_names, &p, &err) < 0) {
                fprintf(stderr, "the chain's policy does not compile: %s\n", err.message);
                abort();
        }
        return p;
}

/* The policy request the opener makes of a message, as its handlers do:
 * from the message alone, and for a client's socket from what the kernel
 * says of it. */
static void opener_view(const struct request *r, const struct policy_request *sock,
                        struct policy_request *ret)
{
        int v = 0;

        switch (r->op) {
        case REQUEST_OPEN:
                opener_open_get_request(&r->msg.open, ret);
                return;
        case REQUEST_BIND:
                *ret = (struct policy_request) {
                        .op = POLICY_OP_BIND,
                        .family = sock->family,
                        .type = sock->type,
                        .protocol = sock->protocol,
                        .has_port = true,
                        .port = r->msg.bind.port,
                };
                FUZZ_ASSERT(r->msg.bind.family == sock->family, "bind: family %d for a socket of %d",
                            r->msg.bind.family, sock->family);
                return;
        case REQUEST_SETOPT:
                FUZZ_ASSERT(opener_sockopt_to_policy(r->msg.setopt.option, &v),
                            "setopt: option %u", r->msg.setopt.option);
                *ret = (struct policy_request) {
                        .op = POLICY_OP_SETOPT,
                        .family = sock->family,
                        .type = sock->type,
                        .protocol = sock->protocol,
                        .sockopt = (enum policy_sockopt)v,
                        .value = r->msg.setopt.value,
                        .ifname = r->msg.setopt.ifname[0] ? r->msg.setopt.ifname : NULL,
                };
                return;
        case REQUEST_LINK:
                FUZZ_ASSERT(opener_link_op_to_policy(r->msg.link.op, &v), "link: op %u",
                            r->msg.link.op);
                *ret = (struct policy_request) {
                        .op = POLICY_OP_LINK,
                        .family = AF_CAN,
                        .ifname = r->msg.link.ifname,
                        .link_op = (enum policy_link_op)v,
                        .bitrate = r->msg.link.bitrate,
                };
                return;
        case REQUEST_HCI:
                *ret = (struct policy_request) {
                        .op = POLICY_OP_HCI_COMMAND,
                        .family = AF_BLUETOOTH,
                        .protocol = BTPROTO_HCI,
                        .has_dev = true,
                        .dev = r->msg.hci.dev,
                        .opcode = r->msg.hci.opcode,
                };
                return;
        case REQUEST_STATUS:
                break;
        }
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const uid_t uids[] = { 0, 1, 2, 3 };
        const policy *p = the_policy();
        const struct policy_request *sock;
        const struct policy_rule *rule = NULL;
        struct policy_request seen;
        struct policy_peer peer = {};
        char why[SB_PROTO_MAX_REASON];
        SbRequest *req = NULL;
        struct request r;
        size_t n_fds;
        int e, type;

        if (size < 2)
                return 0;
        sock = &sockets[data[0] % (sizeof(sockets) / sizeof(sockets[0]))];
        peer.uid = uids[data[1] % 4];
        peer.gid = (gid_t)-1;
        data += 2;
        size -= 2;

        /* With a descriptor for the operations that take one, as the
         * broker would receive them. */
        for (n_fds = 0; n_fds <= 1; n_fds++) {
                e = sb_proto_request_decode(data, size, n_fds, &req, why, sizeof(why));
                if (e == 0)
                        break;
        }
        if (e < 0)
                return 0;

        e = request_build(req, request_needs_socket(req) ? sock : NULL, &r, why, sizeof(why));
        FUZZ_ASSERT(e >= 0, "request_build returned %d", e);
        if (e > 0) {
                FUZZ_ASSERT(why[0] != '\0', "refused with %d and no reason", e);
                goto done;
        }
        FUZZ_ASSERT(r.client_socket == request_needs_socket(req), "client socket %d for %s",
                    r.client_socket, request_op_name(req));
        if (r.op == REQUEST_STATUS)
                goto done;

        if (policy_check(p, &peer, &r.policy, &rule) != POLICY_VERDICT_ALLOW) {
                check_hint(p, &peer, &r.policy);
                goto done;
        }
        FUZZ_ASSERT(rule, "an allow without a rule");

        request_seal(&r, rule, 1, 42);
        FUZZ_ASSERT(r.msg.hdr.seq == 42, "seq %u", r.msg.hdr.seq);
        FUZZ_ASSERT(r.msg_size == opener_msg_size((enum opener_msg_type)r.msg.hdr.type),
                    "message of %zu bytes for type %u", r.msg_size, r.msg.hdr.type);

        /* What the opener checks first: exact length, version, strings,
         * and the descriptors that come along. */
        type = opener_msg_check(&r.msg, r.msg_size, (r.client_socket || r.netns_witness) ? 1 : 0);
        FUZZ_ASSERT(type == r.msg.hdr.type, "the opener refuses the message: %d", type);

        /* And then: the named rule permits what the message asks. */
        opener_view(&r, sock, &seen);
        FUZZ_ASSERT(policy_rule_permits(rule, &seen), "rule %s:%u does not permit the message",
                    rule->file, rule->line);
done:
        sb_proto_request_free(req);
        return 0;
}
