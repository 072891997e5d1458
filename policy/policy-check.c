/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-check.c - what a rule permits: policy_rule_permits(), the
 * namespace of a rule and the capabilities a policy needs. The opener
 * re-checks with these alone; finding the rule for a peer is
 * policy-decide.c.
 *
 * Requests are operations (enum policy_op); every one but STATUS is
 * about one family (policy_request_family()).
 *
 * A rule matches a request by a common part, the same for allow and
 * deny rules: its family, type, protocols and, where the operation names
 * one, interface. A deny rule matches on that alone, so "deny user=guest
 * any" stops every operation. An allow rule must in addition carry the
 * word that grants the operation (bind=, option=, link=, command=) and
 * cover the request's address and values with it.
 */
#include <fnmatch.h>
#include <linux/can.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"

#include "policy/policy-internal.h"

/* A name the kernel could take as an interface: "eth*" must not let
 * through a name no interface can have. */
static bool ifname_is_valid(const char *ifname)
{
        return ifname && ifname[0] != '\0' && strnlen(ifname, IFNAMSIZ) < IFNAMSIZ;
}

static bool ifaces_match(const struct policy_rule *rule, const char *ifname)
{
        if (!ifname_is_valid(ifname))
                return false;
        for (uint32_t i = 0; i < rule->n_ifaces; i++)
                if (fnmatch(rule->ifaces[i], ifname, 0) == 0)
                        return true;
        return false;
}

/*
 * A packet socket of protocol 0 receives nothing until its owner binds
 * it, and binding needs no privilege; libpcap opens its sockets so. Such
 * a request is therefore covered by what allows every protocol,
 * proto=all, and by nothing narrower: its filter could not be known.
 */
static bool protocols_contain(const struct policy_rule *rule, int family, uint32_t protocol)
{
        if (family == AF_PACKET && protocol == 0)
                protocol = ETH_P_ALL;
        for (uint32_t i = 0; i < rule->n_protocols; i++)
                if (rule->protocols[i] == protocol)
                        return true;
        return false;
}

/* The family of a request, or -1 for one outside the language. LINK
 * and HCI_COMMAND imply theirs: their family may also be left 0. */
int policy_request_family(const struct policy_request *req)
{
        switch (req->op) {
        case POLICY_OP_OPEN:
        case POLICY_OP_BIND:
        case POLICY_OP_SETOPT:
                /* A socket: family, type and protocol are the socket's. */
                if (!policy_family_is_valid(req->family) ||
                    !policy_type_is_valid(req->family, req->type))
                        return -1;
                return req->family;
        case POLICY_OP_LINK:
                return req->family == 0 || req->family == AF_CAN ? AF_CAN : -1;
        case POLICY_OP_HCI_COMMAND:
                return req->family == 0 || req->family == AF_BLUETOOTH ? AF_BLUETOOTH : -1;
        case POLICY_OP_STATUS:
                return -1;
        }
        return -1;
}

/*
 * The part of a rule that allow and deny rules share: family, type,
 * protocols and interface. LINK and HCI_COMMAND requests carry no socket,
 * so a rule's type and proto are not looked at for them. The interface
 * is the socket's for OPEN, the device for SETOPT bindtodevice and the
 * link for LINK; BIND, the other options and HCI_COMMAND have none.
 */
static bool rule_matches_common(const struct policy_rule *rule, const struct policy_request *req)
{
        int family;

        if ((unsigned)req->op > POLICY_OP_STATUS)
                return false;
        if (req->op == POLICY_OP_STATUS)
                return rule->admin;
        if (rule->admin)
                return false;

        /* Requests outside the language never match, not even 'any'. */
        family = policy_request_family(req);
        if (family < 0)
                return false;
        if (rule->family != 0 && rule->family != family)
                return false;

        switch (req->op) {
        case POLICY_OP_OPEN:
                if (rule->n_ifaces > 0 && !ifaces_match(rule, req->ifname))
                        return false;
                break;
        case POLICY_OP_SETOPT:
                if (req->sockopt == POLICY_SOCKOPT_BINDTODEVICE &&
                    (!ifname_is_valid(req->ifname) ||
                     (rule->n_ifaces > 0 && !ifaces_match(rule, req->ifname))))
                        return false;
                break;
        case POLICY_OP_LINK:
                if (!ifname_is_valid(req->ifname) ||
                    (rule->n_ifaces > 0 && !ifaces_match(rule, req->ifname)))
                        return false;
                return true;
        case POLICY_OP_HCI_COMMAND:
                return true;
        case POLICY_OP_BIND:
        case POLICY_OP_STATUS:
                break;
        }

        if (rule->type != 0 && rule->type != req->type)
                return false;
        if (rule->n_protocols > 0 && !protocols_contain(rule, req->family, req->protocol))
                return false;
        return true;
}

/*
 * What an OPEN binds the socket to. A list the rule gives constrains the
 * request as iface= does: a request without the address does not match
 * (an unbound ISO-TP socket, say, could then be bound to any id). An HCI
 * socket always has a channel, raw unless hci= says otherwise, so it
 * must be asked for with one. A request may only carry the addresses of
 * its family and protocol.
 */
/* A list of ranges constrains only when the rule gives one. */
static bool ranges_allow(const struct policy_range *r, uint32_t n, uint64_t v)
{
        return n == 0 || policy_ranges_contain(r, n, v);
}

static bool open_addresses_permitted(const struct policy_rule *rule,
                                     const struct policy_request *req)
{
        bool bt = req->family == AF_BLUETOOTH, can = req->family == AF_CAN;
        bool l2cap = bt && req->protocol == POLICY_BTPROTO_L2CAP;
        bool hci = bt && req->protocol == POLICY_BTPROTO_HCI;
        bool rfcomm = bt && req->protocol == POLICY_BTPROTO_RFCOMM;
        bool isotp = can && req->protocol == CAN_ISOTP;
        bool j1939 = can && req->protocol == CAN_J1939;

        /* an inet port or an L2CAP PSM, only with bind= */
        if (req->has_port &&
            (!(req->family == AF_INET || req->family == AF_INET6 || l2cap) ||
             !policy_ranges_contain(rule->ports, rule->n_ports, req->port)))
                return false;

        if (hci) {
                uint32_t mask = rule->hci_channels ? rule->hci_channels
                                                   : 1u << POLICY_HCI_CHANNEL_RAW;

                if (!req->has_channel || req->channel >= 32 || !(mask & (1u << req->channel)))
                        return false;
        } else if (rfcomm && req->has_channel) {
                /* Above 30 is no RFCOMM channel, and the kernel's field
                 * is a byte: without channel=, 261 would be bound as 5. */
                if (req->channel > POLICY_LIMITS_RFCOMM_CHANNEL.max ||
                    !ranges_allow(rule->channels, rule->n_channels, req->channel))
                        return false;
        } else if (req->has_channel || rule->n_channels > 0) {
                return false;
        }

        if (req->has_dev) {
                if (!bt || !ranges_allow(rule->devs, rule->n_devs, req->dev))
                        return false;
        } else if (rule->n_devs > 0) {
                return false;
        }

        if (req->has_can_ids) {
                /* A 29-bit id carries CAN_EFF_FLAG; rx= and tx= give the
                 * ids alone, 11 or 29 bits. */
                if (!isotp || !ranges_allow(rule->rx, rule->n_rx, req->rx_id & CAN_EFF_MASK) ||
                    !ranges_allow(rule->tx, rule->n_tx, req->tx_id & CAN_EFF_MASK))
                        return false;
        } else if (rule->n_rx > 0 || rule->n_tx > 0) {
                return false;
        }

        if (req->has_j1939) {
                if (!j1939 || !ranges_allow(rule->addrs, rule->n_addrs, req->j1939_addr) ||
                    !ranges_allow(rule->pgns, rule->n_pgns, req->j1939_pgn) ||
                    !ranges_allow(rule->names, rule->n_names, req->j1939_name))
                        return false;
        } else if (rule->n_addrs > 0 || rule->n_pgns > 0 || rule->n_names > 0) {
                return false;
        }

        return !req->can_fd || (can && rule->can_fd);
}

static bool setopt_permitted(const struct policy_rule *rule, const struct policy_request *req)
{
        unsigned opt = (unsigned)req->sockopt;

        if (opt == POLICY_SOCKOPT_NONE || opt >= _POLICY_SOCKOPT_MAX ||
            !(rule->sockopts & (1u << opt)))
                return false;
        if (!policy_sockopts[opt].has_range)
                return true;
        return policy_ranges_contain(&rule->sockopt_range[opt], 1, req->value);
}

static bool link_permitted(const struct policy_rule *rule, const struct policy_request *req)
{
        switch ((unsigned)req->link_op) {
        case POLICY_LINK_UP:
        case POLICY_LINK_DOWN:
                return rule->family == AF_CAN && (rule->link_ops & req->link_op);
        case POLICY_LINK_BITRATE:
                return rule->family == AF_CAN && (rule->link_ops & POLICY_LINK_BITRATE) &&
                       policy_ranges_contain(rule->bitrates, rule->n_bitrates, req->bitrate);
        default:
                return false;
        }
}

static bool hci_command_permitted(const struct policy_rule *rule, const struct policy_request *req)
{
        bool found = false;

        if (rule->family != AF_BLUETOOTH)
                return false;
        for (uint32_t i = 0; i < rule->n_commands && !found; i++)
                found = rule->commands[i] == req->opcode;
        if (!found)
                return false;
        return rule->n_devs == 0 || policy_ranges_contain(rule->devs, rule->n_devs, req->dev);
}

bool policy_rule_permits(const struct policy_rule *rule, const struct policy_request *req)
{
        if (!rule || !req || !rule->allow || !rule_matches_common(rule, req))
                return false;

        switch (req->op) {
        case POLICY_OP_OPEN:
                return open_addresses_permitted(rule, req);
        case POLICY_OP_BIND:
                /* An inet port, or an L2CAP PSM. */
                if (req->family == AF_BLUETOOTH && req->protocol != POLICY_BTPROTO_L2CAP)
                        return false;
                return policy_family_has_ports(req->family) &&
                       policy_ranges_contain(rule->ports, rule->n_ports, req->port);
        case POLICY_OP_SETOPT:
                return setopt_permitted(rule, req);
        case POLICY_OP_LINK:
                return link_permitted(rule, req);
        case POLICY_OP_HCI_COMMAND:
                return hci_command_permitted(rule, req);
        case POLICY_OP_STATUS:
                return rule->admin;
        }
        return false;
}

bool policy_rule_matches(const struct policy_rule *rule, const struct policy_request *req)
{
        return rule->allow ? policy_rule_permits(rule, req) : rule_matches_common(rule, req);
}

enum policy_netns policy_rule_netns(const struct policy_rule *rule)
{
        if (!rule)
                return POLICY_NETNS_HOST;
        switch (rule->netns) {
        case POLICY_NETNS_CLIENT:
        case POLICY_NETNS_HOST:
                return rule->netns;
        case POLICY_NETNS_DEFAULT:
                break;
        }
        /* An admin rule creates no socket; the daemon answers from where
         * it runs. */
        if (rule->admin)
                return POLICY_NETNS_HOST;
        switch (rule->family) {
        case AF_CAN:
        case AF_BLUETOOTH:
                return POLICY_NETNS_HOST;
        default:
                return POLICY_NETNS_CLIENT;
        }
}

#define CAP_MASK(cap) (UINT64_C(1) << (cap))

static bool rule_covers_protocol(const struct policy_rule *rule, uint32_t protocol)
{
        return rule->n_protocols == 0 || protocols_contain(rule, 0, protocol);
}

/* What the opener needs to create the sockets an OPEN gives. */
static uint64_t open_capabilities(const struct policy_rule *rule)
{
        uint64_t caps = 0;

        switch (rule->family) {
        case 0:
                /* 'any' covers packet sockets. */
                return CAP_MASK(CAP_NET_RAW);
        case AF_INET:
        case AF_INET6:
                return rule->type == 0 || rule->type == SOCK_RAW ? CAP_MASK(CAP_NET_RAW) : 0;
        case AF_PACKET:
                return CAP_MASK(CAP_NET_RAW);
        case AF_BLUETOOTH:
                /* L2CAP SOCK_RAW is capable(CAP_NET_RAW) at socket(). */
                if ((rule->type == 0 || rule->type == SOCK_RAW) &&
                    rule_covers_protocol(rule, POLICY_BTPROTO_L2CAP))
                        caps |= CAP_MASK(CAP_NET_RAW);
                /* Binding the monitor channel needs CAP_NET_RAW and the user
                 * channel CAP_NET_ADMIN; a full HCI_FILTER (events=) and the
                 * LE commands the broker sends (command=) need CAP_NET_RAW. */
                if (rule->hci_channels & (1u << POLICY_HCI_CHANNEL_MONITOR))
                        caps |= CAP_MASK(CAP_NET_RAW);
                if (rule->hci_channels & (1u << POLICY_HCI_CHANNEL_USER))
                        caps |= CAP_MASK(CAP_NET_ADMIN);
                if (rule->n_events > 0 || rule->n_commands > 0)
                        caps |= CAP_MASK(CAP_NET_RAW);
                return caps;
        default:
                /* can: none */
                return 0;
        }
}

/*
 * What the opener needs to serve everything a rule allows; see the
 * capability table in sockbroker.policy(5) and kernel-facts.md.
 */
static uint64_t rule_capabilities(const struct policy_rule *rule)
{
        const uint32_t raw_opts = 1u << POLICY_SOCKOPT_MARK | 1u << POLICY_SOCKOPT_PRIORITY |
                                  1u << POLICY_SOCKOPT_BINDTODEVICE;
        const uint32_t admin_opts = 1u << POLICY_SOCKOPT_RCVBUFFORCE |
                                    1u << POLICY_SOCKOPT_SNDBUFFORCE;
        uint64_t caps;

        if (rule->admin)
                return 0;

        caps = open_capabilities(rule);
        if (rule->n_ports > 0)
                caps |= CAP_MASK(CAP_NET_BIND_SERVICE);
        if (rule->sockopts & raw_opts)
                caps |= CAP_MASK(CAP_NET_RAW);
        if (rule->sockopts & admin_opts)
                caps |= CAP_MASK(CAP_NET_ADMIN);
        if (rule->link_ops)
                caps |= CAP_MASK(CAP_NET_ADMIN);
        /* Reaching the client's network namespace: SIOCGSKNS on a socket of
         * the client's needs CAP_NET_ADMIN over it, setns(2) CAP_SYS_ADMIN. */
        if (policy_rule_netns(rule) == POLICY_NETNS_CLIENT)
                caps |= CAP_MASK(CAP_SYS_ADMIN) | CAP_MASK(CAP_NET_ADMIN);
        return caps;
}

uint64_t policy_capabilities(const policy *p)
{
        uint64_t caps = 0;

        if (!p)
                return 0;
        for (size_t i = 0; i < p->n_rules; i++)
                if (p->rules[i].allow)
                        caps |= rule_capabilities(&p->rules[i]);
        return caps;
}
