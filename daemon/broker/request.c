/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * request.c - the mapping from a client request to a policy request and
 * an opener message. Pure: no I/O, no logging.
 *
 * sb_proto_request_decode() has checked every field's range and every
 * bytes field's length before anything here looks at it; what is left is
 * meaning: which fields go together, what the socket the client sent is,
 * and what the opener must be told.
 */
#include "config.h"

#include <errno.h>
#include <linux/can.h>
#include <linux/can/j1939.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/bt.h"
#include "common/names.h"
#include "common/util.h"
#include "daemon/broker/opener-send.h"
#include "daemon/broker/request.h"

_printf_(4, 5)
static int fail(int error, char *why, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
        return error;
}

bool request_needs_socket(const SbRequest *req)
{
        return req->op_case == SOCKBROKER__REQUEST__OP_BIND ||
               req->op_case == SOCKBROKER__REQUEST__OP_SET_OPTION;
}

const char *request_op_name(const SbRequest *req)
{
        switch (req->op_case) {
        case SOCKBROKER__REQUEST__OP_OPEN:
                return "open";
        case SOCKBROKER__REQUEST__OP_BIND:
                return "bind";
        case SOCKBROKER__REQUEST__OP_SET_OPTION:
                return "set-option";
        case SOCKBROKER__REQUEST__OP_LINK_CONFIG:
                return "link-config";
        case SOCKBROKER__REQUEST__OP_HCI_COMMAND:
                return "hci-command";
        case SOCKBROKER__REQUEST__OP_STATUS:
                return "status";
        case SOCKBROKER__REQUEST__OP__NOT_SET:
        case _SOCKBROKER__REQUEST__OP__CASE_IS_INT_SIZE:
                break;
        }
        return "none";
}

static void set_ifname(struct request *r, const char *ifname)
{
        r->policy.ifname = NULL;
        if (ifname && ifname[0]) {
                snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
                r->policy.ifname = r->ifname;
        }
}

_Static_assert(SB_PROTO_MAX_FILTER == OPENER_MAX_FILTER, "a filter a client may send fits the opener's");

static int build_open(const Sockbroker__Open *o, struct request *r, char *why, size_t size)
{
        struct policy_request *pr = &r->policy;
        const char *ifname = NULL;

        *pr = (struct policy_request) {
                .op = POLICY_OP_OPEN,
                .family = o->family,
                .type = o->type,
                .protocol = o->has_protocol ? (uint32_t)o->protocol : 0,
        };
        if (o->address) {
                switch (o->address->kind_case) {
                case SOCKBROKER__ADDRESS__KIND_PACKET:
                        ifname = o->address->packet->ifname;
                        if (o->address->packet->has_protocol &&
                            o->address->packet->protocol != pr->protocol)
                                return fail(EINVAL, why, size, "invalid: the address's EtherType "
                                            "0x%04x differs from the socket's 0x%04x",
                                            o->address->packet->protocol, pr->protocol);
                        break;
                case SOCKBROKER__ADDRESS__KIND_INET:
                        ifname = o->address->inet->ifname;
                        if (o->address->inet->has_address || o->address->inet->has_port ||
                            o->address->inet->has_scope_id)
                                return fail(EOPNOTSUPP, why, size, "unsupported: the broker pins "
                                            "raw IP sockets to a device only; bind a local address "
                                            "yourself, it needs no privilege");
                        break;
                case SOCKBROKER__ADDRESS__KIND_CAN: {
                        const Sockbroker__CanAddress *a = o->address->can;

                        ifname = a->ifname;
                        pr->has_can_ids = a->has_rx_id || a->has_tx_id;
                        pr->rx_id = a->rx_id;
                        pr->tx_id = a->tx_id;
                        pr->has_j1939 = a->has_name || a->has_pgn || a->has_addr;
                        pr->j1939_name = a->has_name ? a->name : J1939_NO_NAME;
                        pr->j1939_pgn = a->has_pgn ? a->pgn : J1939_NO_PGN;
                        pr->j1939_addr = a->has_addr ? a->addr : J1939_NO_ADDR;
                        pr->can_fd = a->has_fd && a->fd;
                        break;
                }
                case SOCKBROKER__ADDRESS__KIND_BLUETOOTH: {
                        const Sockbroker__BluetoothAddress *a = o->address->bluetooth;

                        if (a->has_bdaddr)
                                return fail(EOPNOTSUPP, why, size, "unsupported: the broker binds "
                                            "to the controller's own address; name the controller "
                                            "(dev), not an address");
                        pr->has_dev = a->has_dev;
                        pr->dev = a->dev;
                        pr->has_channel = a->has_channel;
                        pr->channel = a->channel;
                        pr->has_port = a->has_psm;
                        pr->port = a->psm;
                        break;
                }
                case SOCKBROKER__ADDRESS__KIND__NOT_SET:
                case _SOCKBROKER__ADDRESS__KIND__CASE_IS_INT_SIZE:
                        break;
                }
        }
        set_ifname(r, ifname);

        if (pr->family != AF_PACKET && pr->family != AF_INET && pr->family != AF_INET6 &&
            pr->family != AF_CAN && pr->family != AF_BLUETOOTH)
                return fail(EAFNOSUPPORT, why, size, "unsupported: this daemon does not broker "
                            "family %s", names_family_to_string(pr->family) ?: "?");
        /* ISO-TP and J1939 sockets are handed over bound, or not at all. */
        if (pr->family == AF_CAN && ((pr->protocol == CAN_ISOTP && !pr->has_can_ids) ||
                                     (pr->protocol == CAN_J1939 && !pr->has_j1939)))
                return fail(EDESTADDRREQ, why, size, "invalid: %s sockets are handed over bound; "
                            "the request needs their %s", pr->protocol == CAN_ISOTP ? "ISO-TP" : "J1939",
                            pr->protocol == CAN_ISOTP ? "rx and tx ids" : "NAME, PGN and address");

        r->msg.open.hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_OPEN, 0 };
        r->msg.open.flags = (o->has_flags && (o->flags & SOCKBROKER__OPEN_FLAGS__OPEN_FLAG_NONBLOCK)) ?
                            OPENER_OPEN_NONBLOCK : 0;
        opener_open_set_request(&r->msg.open, pr);
        r->msg_size = sizeof(r->msg.open);
        r->answer = OPENER_MSG_RESULT;

        if (o->has_filter) {
                struct opener_open_filter *m = &r->msg.open_filter;
                size_t n = o->filter.len / sizeof(struct sock_filter);
                const char *bad;

                /* The decoder bounded it to whole instructions. */
                if (pr->family != AF_PACKET)
                        return fail(EOPNOTSUPP, why, size, "unsupported: a filter goes through "
                                    "the broker for packet sockets only; on other sockets attach "
                                    "it yourself, it needs no privilege");
                memcpy(m->filter, o->filter.data, n * sizeof(struct sock_filter));
                bad = opener_filter_check(m->filter, n);
                if (bad)
                        return fail(EINVAL, why, size, "invalid: %s", bad);
                m->open.filter_len = (uint16_t)n;
                r->msg_size += n * sizeof(struct sock_filter);
        }
        return 0;
}

/* The address fields were checked by the decoder; what is left is
 * whether they fit the socket the client sent (sock). */
static int build_bind(const Sockbroker__Bind *b, const struct policy_request *sock,
                      struct request *r, char *why, size_t size)
{
        const Sockbroker__Address *a = b->address;
        struct opener_bind *m = &r->msg.bind;

        r->policy = (struct policy_request) {
                .op = POLICY_OP_BIND,
                .family = sock->family,
                .type = sock->type,
                .protocol = sock->protocol,
                .has_port = true,
        };
        m->hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_BIND, 0 };
        m->family = sock->family;

        if (sock->family == AF_BLUETOOTH && sock->protocol == BTPROTO_L2CAP) {
                /* an L2CAP PSM, on the controller with address bdaddr (or any) */
                if (a->kind_case != SOCKBROKER__ADDRESS__KIND_BLUETOOTH)
                        return fail(EINVAL, why, size, "invalid: binding an L2CAP socket needs a PSM");
                m->port = a->bluetooth->psm;
                if (a->bluetooth->has_bdaddr)
                        memcpy(m->address, a->bluetooth->bdaddr.data, sizeof(bdaddr_t));
        } else if (sock->family == AF_INET || sock->family == AF_INET6) {
                size_t len = sock->family == AF_INET ? 4 : 16;

                if (a->kind_case != SOCKBROKER__ADDRESS__KIND_INET)
                        return fail(EINVAL, why, size, "invalid: bind needs an inet address with a port");
                if (a->inet->has_address && a->inet->address.len != len)
                        return fail(EAFNOSUPPORT, why, size, "invalid: the address does not match "
                                    "the socket's family");
                if (a->inet->has_scope_id && sock->family != AF_INET6)
                        return fail(EAFNOSUPPORT, why, size, "invalid: a scope id is for inet6 sockets");
                m->port = a->inet->port;
                if (a->inet->has_address)
                        memcpy(m->address, a->inet->address.data, len);
                m->scope_id = a->inet->has_scope_id ? a->inet->scope_id : 0;
        } else {
                return fail(EAFNOSUPPORT, why, size, "unsupported: the broker binds inet, inet6 "
                            "and L2CAP sockets only (this one is %s)",
                            names_family_to_string(sock->family) ?: "of another family");
        }
        r->policy.port = m->port;
        r->msg_size = sizeof(*m);
        r->answer = OPENER_MSG_DONE;
        r->client_socket = true;
        return 0;
}

/* The option and its value were checked by the decoder. */
static int build_setopt(const Sockbroker__SetOption *o, const struct policy_request *sock,
                        struct request *r, char *why, size_t size)
{
        struct opener_setopt *m = &r->msg.setopt;
        enum policy_sockopt opt;

        switch (o->name) {
        case SO_MARK:
                opt = POLICY_SOCKOPT_MARK;
                break;
        case SO_PRIORITY:
                opt = POLICY_SOCKOPT_PRIORITY;
                break;
        case SO_RCVBUFFORCE:
                opt = POLICY_SOCKOPT_RCVBUFFORCE;
                break;
        case SO_SNDBUFFORCE:
                opt = POLICY_SOCKOPT_SNDBUFFORCE;
                break;
        case SO_BINDTODEVICE:
                opt = POLICY_SOCKOPT_BINDTODEVICE;
                break;
        default:
                return fail(EOPNOTSUPP, why, size, "unsupported: socket option %d is not brokered",
                            o->name);
        }
        r->policy = (struct policy_request) {
                .op = POLICY_OP_SETOPT,
                .family = sock->family,
                .type = sock->type,
                .protocol = sock->protocol,
                .sockopt = opt,
        };
        m->hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_SETOPT, 0 };
        m->option = opener_sockopt_from_policy(opt);
        if (opt == POLICY_SOCKOPT_BINDTODEVICE) {
                snprintf(m->ifname, sizeof(m->ifname), "%s", o->ifname);
                set_ifname(r, m->ifname);
        } else {
                r->policy.value = (uint64_t)o->value;
                m->value = r->policy.value;
        }
        r->msg_size = sizeof(*m);
        r->answer = OPENER_MSG_DONE;
        r->client_socket = true;
        return 0;
}

static void build_link(const Sockbroker__LinkConfig *l, struct request *r)
{
        struct opener_link *m = &r->msg.link;

        r->policy = (struct policy_request) { .op = POLICY_OP_LINK, .family = AF_CAN };
        if (l->has_bitrate) {
                r->policy.link_op = POLICY_LINK_BITRATE;
                r->policy.bitrate = l->bitrate;
        } else {
                r->policy.link_op = l->up ? POLICY_LINK_UP : POLICY_LINK_DOWN;
        }
        m->hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_LINK, 0 };
        m->op = opener_link_op_from_policy(r->policy.link_op);
        m->bitrate = r->policy.bitrate;
        snprintf(m->ifname, sizeof(m->ifname), "%s", l->ifname);
        set_ifname(r, m->ifname);
        r->msg_size = sizeof(*m);
        r->answer = OPENER_MSG_DONE;
}

static int build_hci(const Sockbroker__HciCommand *h, struct request *r, char *why, size_t size)
{
        struct opener_hci *m = &r->msg.hci;
        int want = names_hci_command_params(h->opcode);
        size_t n = h->has_params ? h->params.len : 0;

        /* A controller may take a short command at its word. */
        if (want >= 0 && n != (size_t)want)
                return fail(EINVAL, why, size, "invalid: %s takes %d parameter byte(s), not %zu",
                            names_hci_command_to_string(h->opcode), want, n);
        r->policy = (struct policy_request) {
                .op = POLICY_OP_HCI_COMMAND,
                .family = AF_BLUETOOTH,
                .protocol = BTPROTO_HCI,
                .has_dev = true,
                .dev = h->dev,
                .opcode = h->opcode,
        };
        m->hdr = (struct opener_hdr) { OPENER_PROTO_VERSION, OPENER_MSG_HCI, 0 };
        m->dev = h->dev;
        m->opcode = h->opcode;
        if (n > 0) {
                m->n_params = (uint32_t)n;
                memcpy(m->params, h->params.data, n);
        }
        r->msg_size = sizeof(*m);
        r->answer = OPENER_MSG_HCI_DONE;
        return 0;
}

int request_build(const SbRequest *req, const struct policy_request *sock, struct request *r,
                  char *why, size_t why_size)
{
        memset(r, 0, sizeof(*r));
        r->id = req->id;
        why[0] = 0;
        switch (req->op_case) {
        case SOCKBROKER__REQUEST__OP_OPEN:
                r->op = REQUEST_OPEN;
                return build_open(req->open, r, why, why_size);
        case SOCKBROKER__REQUEST__OP_BIND:
                r->op = REQUEST_BIND;
                return build_bind(req->bind, sock, r, why, why_size);
        case SOCKBROKER__REQUEST__OP_SET_OPTION:
                r->op = REQUEST_SETOPT;
                return build_setopt(req->set_option, sock, r, why, why_size);
        case SOCKBROKER__REQUEST__OP_LINK_CONFIG:
                r->op = REQUEST_LINK;
                build_link(req->link_config, r);
                return 0;
        case SOCKBROKER__REQUEST__OP_HCI_COMMAND:
                r->op = REQUEST_HCI;
                return build_hci(req->hci_command, r, why, why_size);
        case SOCKBROKER__REQUEST__OP_STATUS:
                r->op = REQUEST_STATUS;
                r->policy.op = POLICY_OP_STATUS;
                return 0;
        case SOCKBROKER__REQUEST__OP__NOT_SET:
        case _SOCKBROKER__REQUEST__OP__CASE_IS_INT_SIZE:
                break;
        }
        return fail(EOPNOTSUPP, why, why_size, "unsupported: this daemon does not do '%s'",
                    request_op_name(req));
}

void request_seal(struct request *r, const struct policy_rule *rule, uint32_t generation,
                  uint32_t seq)
{
        uint32_t *gen = NULL, *index = NULL, *flags = NULL;

        switch (r->op) {
        case REQUEST_OPEN:
                gen = &r->msg.open.generation;
                index = &r->msg.open.rule_index;
                flags = &r->msg.open.flags;
                break;
        case REQUEST_BIND:
                gen = &r->msg.bind.generation;
                index = &r->msg.bind.rule_index;
                break;
        case REQUEST_SETOPT:
                gen = &r->msg.setopt.generation;
                index = &r->msg.setopt.rule_index;
                break;
        case REQUEST_LINK:
                gen = &r->msg.link.generation;
                index = &r->msg.link.rule_index;
                flags = &r->msg.link.flags;
                break;
        case REQUEST_HCI:
                gen = &r->msg.hci.generation;
                index = &r->msg.hci.rule_index;
                break;
        case REQUEST_STATUS:
                break;
        }
        if (!gen || !index)
                return;
        r->msg.hdr.seq = seq;
        *gen = generation;
        *index = rule->index;
        r->netns_witness = flags && policy_rule_netns(rule) == POLICY_NETNS_CLIENT;
        if (r->netns_witness)
                *flags |= OPENER_OPEN_CLIENT_NETNS;
}

/* The hint's candidates, each tried as the request would be decided. */
struct hint {
        const policy *policy;
        const struct policy_peer *peer;
        char found[REQUEST_MAX_HINTS][IFNAMSIZ + 8];
        size_t n_found;
        unsigned budget;        /* policy_check() calls left */
};

/* Adds name when the request, with the address filled in (on), is one
 * rule permits and the policy allows. */
static void hint_try(struct hint *h, const struct policy_rule *rule,
                     const struct policy_request *on, const char *name)
{
        const struct policy_rule *decided = NULL;

        if (h->n_found == REQUEST_MAX_HINTS || h->budget == 0 || !policy_rule_permits(rule, on))
                return;
        h->budget--;
        if (policy_check(h->policy, h->peer, on, &decided) != POLICY_VERDICT_ALLOW)
                return;
        for (size_t j = 0; j < h->n_found; j++)
                if (streq(h->found[j], name))
                        return;
        snprintf(h->found[h->n_found++], sizeof(h->found[0]), "%s", name);
}

/* The iface= globs of a packet or CAN rule. */
static void hint_ifaces(struct hint *h, const struct policy_rule *rule,
                        const struct policy_request *req)
{
        for (uint32_t k = 0; k < rule->n_ifaces; k++) {
                struct policy_request on = *req;

                on.ifname = rule->ifaces[k];
                hint_try(h, rule, &on, rule->ifaces[k]);
        }
}

/* The controllers and channels of an HCI rule: "hci0", "hci2,user",
 * "monitor", as a spec's address names them. */
static void hint_hci(struct hint *h, const struct policy_rule *rule,
                     const struct policy_request *req)
{
        uint32_t mask = rule->hci_channels ? rule->hci_channels : 1u << HCI_CHANNEL_RAW;

        for (uint32_t c = 0; c < 32; c++) {
                struct policy_request on = *req;
                char name[IFNAMSIZ + 8];

                if (!(mask & (1u << c)))
                        continue;
                on.has_channel = true;
                on.channel = c;
                if (c == HCI_CHANNEL_MONITOR || c == HCI_CHANNEL_CONTROL) {
                        hint_try(h, rule, &on, c == HCI_CHANNEL_MONITOR ? "monitor" : "control");
                        continue;
                }
                if (c != HCI_CHANNEL_RAW && c != HCI_CHANNEL_USER)
                        continue;
                on.has_dev = true;
                /* Without dev=, any controller: hci0 stands for them. */
                for (uint32_t i = 0; i < (rule->n_devs ? rule->n_devs : 1); i++) {
                        uint64_t lo = rule->n_devs ? rule->devs[i].lo : 0;
                        uint64_t hi = rule->n_devs ? rule->devs[i].hi : 0;

                        for (uint64_t d = lo; d <= hi && d < REQUEST_MAX_HINTS; d++) {
                                on.dev = (uint32_t)d;
                                snprintf(name, sizeof(name), "hci%u%s", (unsigned)d,
                                         c == HCI_CHANNEL_USER ? ",user" : "");
                                hint_try(h, rule, &on, name);
                        }
                }
        }
}

void request_address_hint(const policy *p, const struct policy_peer *peer,
                          const struct policy_request *req, char *buf, size_t size)
{
        struct hint h = { .policy = p, .peer = peer, .budget = REQUEST_HINT_BUDGET };
        bool ifaces, hci;
        size_t used = 0;

        if (size == 0)
                return;
        buf[0] = '\0';
        if (!p || req->op != POLICY_OP_OPEN)
                return;
        ifaces = (req->family == AF_PACKET || req->family == AF_CAN) &&
                 !(req->ifname && req->ifname[0]);
        hci = req->family == AF_BLUETOOTH && req->protocol == BTPROTO_HCI &&
              !req->has_channel && !req->has_dev;
        if (!ifaces && !hci)
                return;

        for (size_t i = 0; i < policy_n_rules(p) && h.budget > 0; i++) {
                const struct policy_rule *rule = policy_get_rule(p, i);

                if (!rule->allow || (rule->family != 0 && rule->family != req->family) ||
                    !policy_rule_matches_peer(rule, peer))
                        continue;
                if (ifaces)
                        hint_ifaces(&h, rule, req);
                else
                        hint_hci(&h, rule, req);
        }
        for (size_t j = 0; j < h.n_found; j++) {
                int w = snprintf(buf + used, size - used, "%s%s", j ? ", " : "", h.found[j]);

                if (w < 0 || (size_t)w >= size - used) {
                        buf[used] = '\0';
                        return;
                }
                used += (size_t)w;
        }
}
