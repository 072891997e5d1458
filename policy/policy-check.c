/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-check.c - evaluation: the index, policy_check(),
 * policy_rule_permits() and the capabilities a policy needs.
 *
 * The answer is defined as "the first rule, in file order, whose
 * selectors match the peer and whose constraints cover the request". The
 * index only makes finding it cheap: per family, the rules are split by
 * the identity they name (uid, else gid, else neither), each list holding
 * rule indexes in ascending order. A peer can only be matched by rules in
 * its uid's list, its groups' lists and the "other" list, so those are
 * the candidates; each list is scanned until its indexes pass the best
 * match found so far. A policy of ten thousand per-uid rules thus costs a
 * binary search, not ten thousand comparisons.
 *
 * Requests are operations (enum policy_op). Every operation but STATUS
 * is about one family and is looked up in that family's slot; STATUS
 * has no family and is looked up in a slot of its own that holds only
 * the admin rules, the only rules that can match it. Admin rules are in
 * no family slot, since they match nothing else.
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

struct id_rule {
        uint32_t id;
        uint32_t rule;
};

static int id_rule_compare(const void *a, const void *b)
{
        const struct id_rule *x = a, *y = b;

        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        if (x->rule != y->rule)
                return x->rule < y->rule ? -1 : 1;
        return 0;
}

/* Sorts pairs and turns them into buckets over entries[]. */
static int buckets_build(struct id_rule *pairs, size_t n, uint32_t *entries, uint32_t entries_start,
                         struct policy_bucket **ret, size_t *ret_n)
{
        struct policy_bucket *buckets;
        size_t n_buckets = 0;

        *ret = NULL;
        *ret_n = 0;
        if (n == 0)
                return 0;

        qsort(pairs, n, sizeof(*pairs), id_rule_compare);
        for (size_t i = 0; i < n; i++)
                if (i == 0 || pairs[i].id != pairs[i - 1].id)
                        n_buckets++;

        buckets = calloc(n_buckets, sizeof(*buckets));
        if (!buckets)
                return -ENOMEM;

        n_buckets = 0;
        for (size_t i = 0; i < n; i++) {
                if (i == 0 || pairs[i].id != pairs[i - 1].id)
                        buckets[n_buckets++] = (struct policy_bucket){
                                .id = pairs[i].id,
                                .start = entries_start + (uint32_t)i,
                        };
                buckets[n_buckets - 1].n++;
                entries[entries_start + i] = pairs[i].rule;
        }

        *ret = buckets;
        *ret_n = n_buckets;
        return 0;
}

/* Whether rule goes into the index slot for family; family -1 is the
 * admin slot. */
static bool rule_in_slot(const struct policy_rule *rule, int family)
{
        if (family < 0)
                return rule->admin;
        return !rule->admin && (rule->family == 0 || rule->family == family);
}

static int index_build(struct policy_index *idx, const policy *p, int family)
{
        _cleanup_free_ struct id_rule *uid_pairs = NULL, *gid_pairs = NULL;
        size_t n_uid = 0, n_gid = 0, n_other = 0;
        int r;

        for (size_t i = 0; i < p->n_rules; i++) {
                const struct policy_rule *rule = &p->rules[i];

                if (!rule_in_slot(rule, family))
                        continue;
                if (rule->has_uid)
                        n_uid++;
                else if (rule->has_gid)
                        n_gid++;
                else
                        n_other++;
        }

        uid_pairs = calloc(n_uid + 1, sizeof(*uid_pairs));
        gid_pairs = calloc(n_gid + 1, sizeof(*gid_pairs));
        idx->entries = calloc(n_uid + n_gid + 1, sizeof(*idx->entries));
        idx->other = calloc(n_other + 1, sizeof(*idx->other));
        if (!uid_pairs || !gid_pairs || !idx->entries || !idx->other)
                return -ENOMEM;

        n_uid = n_gid = 0;
        for (size_t i = 0; i < p->n_rules; i++) {
                const struct policy_rule *rule = &p->rules[i];

                if (!rule_in_slot(rule, family))
                        continue;
                if (rule->has_uid)
                        uid_pairs[n_uid++] = (struct id_rule){ rule->uid, (uint32_t)i };
                else if (rule->has_gid)
                        gid_pairs[n_gid++] = (struct id_rule){ rule->gid, (uint32_t)i };
                else
                        idx->other[idx->n_other++] = (uint32_t)i;
        }

        r = buckets_build(uid_pairs, n_uid, idx->entries, 0, &idx->uids, &idx->n_uids);
        if (r < 0)
                return r;
        return buckets_build(gid_pairs, n_gid, idx->entries, (uint32_t)n_uid,
                             &idx->gids, &idx->n_gids);
}

int policy_index_init(policy *p)
{
        for (size_t i = 0; i <= POLICY_N_FAMILIES; i++) {
                int family = i == POLICY_INDEX_ADMIN ? -1 : policy_families[i];
                int r = index_build(&p->index[i], p, family);

                if (r < 0)
                        return r;
        }
        return 0;
}

void policy_index_deinit(policy *p)
{
        for (size_t i = 0; i <= POLICY_N_FAMILIES; i++) {
                struct policy_index *idx = &p->index[i];

                free(idx->uids);
                free(idx->gids);
                free(idx->entries);
                free(idx->other);
                *idx = (struct policy_index){};
        }
}

static bool cgroup_is_under(const char *path, const char *prefix)
{
        size_t n = strlen(prefix);

        if (strncmp(path, prefix, n) != 0)
                return false;
        /* "/" is the only valid prefix that ends in '/'. */
        return prefix[n - 1] == '/' || path[n] == '\0' || path[n] == '/';
}

static bool peer_in_group(const struct policy_peer *peer, gid_t gid)
{
        if (peer->gid == gid)
                return true;
        if (!peer->groups)
                return false;
        for (size_t i = 0; i < peer->n_groups; i++)
                if (peer->groups[i] == gid)
                        return true;
        return false;
}

bool policy_rule_matches_peer(const struct policy_rule *rule, const struct policy_peer *peer)
{
        /* Compiled and imported rules never combine 'everyone' with another
         * selector, and always have at least one. */
        if (rule->everyone)
                return true;
        if (rule->has_uid && peer->uid != rule->uid)
                return false;
        if (rule->has_gid && !peer_in_group(peer, rule->gid))
                return false;
        if (rule->unit && (!peer->unit || strcmp(peer->unit, rule->unit) != 0))
                return false;
        if (rule->cgroup && (!peer->cgroup || !cgroup_is_under(peer->cgroup, rule->cgroup)))
                return false;
        return rule->has_uid || rule->has_gid || rule->unit || rule->cgroup;
}

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
static int request_family(const struct policy_request *req)
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
        family = request_family(req);
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

/* Lowers *best to the first rule in list that matches, if it is earlier. */
static void scan(const policy *p, const uint32_t *list, size_t n,
                 const struct policy_peer *peer, const struct policy_request *req, uint32_t *best)
{
        for (size_t i = 0; i < n && list[i] < *best; i++) {
                const struct policy_rule *rule = &p->rules[list[i]];

                if (policy_rule_matches_peer(rule, peer) && policy_rule_matches(rule, req)) {
                        *best = list[i];
                        return;
                }
        }
}

static const struct policy_bucket *bucket_find(const struct policy_bucket *b, size_t n, uint32_t id)
{
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (b[mid].id == id)
                        return &b[mid];
                if (b[mid].id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static void scan_bucket(const policy *p, const struct policy_index *idx,
                        const struct policy_bucket *buckets, size_t n, uint32_t id,
                        const struct policy_peer *peer, const struct policy_request *req,
                        uint32_t *best)
{
        const struct policy_bucket *b = bucket_find(buckets, n, id);

        if (b)
                scan(p, idx->entries + b->start, b->n, peer, req, best);
}

enum policy_verdict policy_check(const policy *p, const struct policy_peer *peer,
                                 const struct policy_request *req,
                                 const struct policy_rule **ret_rule)
{
        const struct policy_index *idx;
        const struct policy_rule *rule;
        uint32_t best = UINT32_MAX;
        int family, slot;

        if (ret_rule)
                *ret_rule = NULL;
        if (!p || !peer || !req)
                return POLICY_VERDICT_NO_MATCH;
        if (req->op == POLICY_OP_STATUS)
                slot = POLICY_INDEX_ADMIN;
        else if ((family = request_family(req)) >= 0)
                slot = policy_family_index(family);
        else
                return POLICY_VERDICT_NO_MATCH;
        idx = &p->index[slot];

        scan_bucket(p, idx, idx->uids, idx->n_uids, peer->uid, peer, req, &best);
        scan_bucket(p, idx, idx->gids, idx->n_gids, peer->gid, peer, req, &best);
        if (peer->groups)
                for (size_t i = 0; i < peer->n_groups; i++)
                        scan_bucket(p, idx, idx->gids, idx->n_gids, peer->groups[i], peer, req, &best);
        scan(p, idx->other, idx->n_other, peer, req, &best);

        if (best == UINT32_MAX)
                return POLICY_VERDICT_NO_MATCH;

        rule = &p->rules[best];
        if (ret_rule)
                *ret_rule = rule;
        return rule->allow ? POLICY_VERDICT_ALLOW : POLICY_VERDICT_DENY;
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
