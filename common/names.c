/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names.c - fixed tables of family, socket type and protocol names.
 *
 * The tables are compiled in on purpose: the policy compiler, the broker
 * and the client library must agree on what "icmp" or "ptp" means, and
 * that must not depend on the host's /etc/protocols. The first entry for
 * a value is its canonical name; later entries with the same value are
 * aliases accepted on input only.
 */
#include <inttypes.h>
#include <linux/can.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/names.h"
#include "common/util.h"

struct name_entry {
        const char *name;
        uint32_t value;
};

struct protocol_table {
        int family;
        const struct name_entry *names;
        size_t n_names;
};

static const struct name_entry family_names[] = {
        { "inet",       AF_INET },
        { "inet6",      AF_INET6 },
        { "packet",     AF_PACKET },
        { "can",        AF_CAN },
        { "bluetooth",  AF_BLUETOOTH },
        { "bt",         AF_BLUETOOTH },
        { "unix",       AF_UNIX },
        { "netlink",    AF_NETLINK },
};

static const struct name_entry type_names[] = {
        { "raw",        SOCK_RAW },
        { "dgram",      SOCK_DGRAM },
        { "stream",     SOCK_STREAM },
        { "seqpacket",  SOCK_SEQPACKET },
        { "rdm",        SOCK_RDM },
};

/* IP protocol numbers (IANA), shared by inet and inet6. 0 has no name:
 * it means "the default protocol" to socket(2), not a protocol. */
static const struct name_entry ip_protocol_names[] = {
        { "icmp",       IPPROTO_ICMP },
        { "igmp",       IPPROTO_IGMP },
        { "ipip",       IPPROTO_IPIP },
        { "tcp",        IPPROTO_TCP },
        { "egp",        IPPROTO_EGP },
        { "pup",        IPPROTO_PUP },
        { "udp",        IPPROTO_UDP },
        { "idp",        IPPROTO_IDP },
        { "tp",         IPPROTO_TP },
        { "dccp",       IPPROTO_DCCP },
        { "ipv6",       IPPROTO_IPV6 },
        { "ipv6-route", IPPROTO_ROUTING },
        { "ipv6-frag",  IPPROTO_FRAGMENT },
        { "rsvp",       IPPROTO_RSVP },
        { "gre",        IPPROTO_GRE },
        { "esp",        IPPROTO_ESP },
        { "ah",         IPPROTO_AH },
        { "ipv6-icmp",  IPPROTO_ICMPV6 },
        { "icmpv6",     IPPROTO_ICMPV6 },
        { "ipv6-nonxt", IPPROTO_NONE },
        { "ipv6-opts",  IPPROTO_DSTOPTS },
        { "ospf",       89 },
        { "mtp",        IPPROTO_MTP },
        { "beetph",     IPPROTO_BEETPH },
        { "encap",      IPPROTO_ENCAP },
        { "pim",        IPPROTO_PIM },
        { "ipcomp",     IPPROTO_COMP },
        { "vrrp",       112 },
        { "l2tp",       115 },
        { "sctp",       IPPROTO_SCTP },
        { "mobility-header", IPPROTO_MH },
        { "udplite",    IPPROTO_UDPLITE },
        { "mpls-in-ip", IPPROTO_MPLS },
        { "ethernet",   IPPROTO_ETHERNET },
        { "raw",        IPPROTO_RAW },
};

/* EtherTypes, as AF_PACKET takes them (host order here). "all" is
 * ETH_P_ALL, an ordinary value to the policy: no wildcard. */
static const struct name_entry ether_protocol_names[] = {
        { "all",        ETH_P_ALL },
        { "loop",       ETH_P_LOOP },
        { "ip",         ETH_P_IP },
        { "arp",        ETH_P_ARP },
        { "wol",        0x0842 },
        { "rarp",       ETH_P_RARP },
        { "8021q",      ETH_P_8021Q },
        { "vlan",       ETH_P_8021Q },
        { "ipv6",       ETH_P_IPV6 },
        { "slow",       ETH_P_SLOW },
        { "lacp",       ETH_P_SLOW },
        { "mpls",       ETH_P_MPLS_UC },
        { "mpls-mc",    ETH_P_MPLS_MC },
        { "pppoe-disc", ETH_P_PPP_DISC },
        { "pppoe",      ETH_P_PPP_SES },
        { "eapol",      ETH_P_PAE },
        { "profinet",   ETH_P_PROFINET },
        { "aoe",        ETH_P_AOE },
        { "ethercat",   ETH_P_ETHERCAT },
        { "8021ad",     ETH_P_8021AD },
        { "qinq",       ETH_P_8021AD },
        { "tipc",       ETH_P_TIPC },
        { "lldp",       ETH_P_LLDP },
        { "mrp",        ETH_P_MRP },
        { "macsec",     ETH_P_MACSEC },
        { "8021ah",     ETH_P_8021AH },
        { "ptp",        ETH_P_1588 },
        { "1588",       ETH_P_1588 },
        { "prp",        ETH_P_PRP },
        { "cfm",        ETH_P_CFM },
        { "fcoe",       ETH_P_FCOE },
        { "fip",        ETH_P_FIP },
        { "hsr",        ETH_P_HSR },
        { "nsh",        ETH_P_NSH },
        { "batman",     ETH_P_BATMAN },
};

static const struct name_entry can_protocol_names[] = {
        { "raw",        CAN_RAW },
        { "bcm",        CAN_BCM },
        { "tp16",       CAN_TP16 },
        { "tp20",       CAN_TP20 },
        { "mcnet",      CAN_MCNET },
        { "isotp",      CAN_ISOTP },
        { "j1939",      CAN_J1939 },
};

/* BTPROTO_* live in BlueZ's <bluetooth/bluetooth.h>, not in the kernel
 * UAPI headers, so the numbers are spelled out. */
static const struct name_entry bluetooth_protocol_names[] = {
        { "l2cap",      0 },
        { "hci",        1 },
        { "sco",        2 },
        { "rfcomm",     3 },
        { "bnep",       4 },
        { "cmtp",       5 },
        { "hidp",       6 },
        { "avdtp",      7 },
        { "iso",        8 },
};

static const struct name_entry netlink_protocol_names[] = {
        { "route",      NETLINK_ROUTE },
        { "usersock",   NETLINK_USERSOCK },
        { "sock-diag",  NETLINK_SOCK_DIAG },
        { "nflog",      NETLINK_NFLOG },
        { "xfrm",       NETLINK_XFRM },
        { "selinux",    NETLINK_SELINUX },
        { "iscsi",      NETLINK_ISCSI },
        { "audit",      NETLINK_AUDIT },
        { "fib-lookup", NETLINK_FIB_LOOKUP },
        { "connector",  NETLINK_CONNECTOR },
        { "netfilter",  NETLINK_NETFILTER },
        { "kobject-uevent", NETLINK_KOBJECT_UEVENT },
        { "generic",    NETLINK_GENERIC },
        { "scsitransport", NETLINK_SCSITRANSPORT },
        { "ecryptfs",   NETLINK_ECRYPTFS },
        { "rdma",       NETLINK_RDMA },
        { "crypto",     NETLINK_CRYPTO },
        { "smc",        NETLINK_SMC },
};

/* HCI event codes (Bluetooth Core, Vol 4, Part E, 7.7): the ones a
 * scanner or a controller tool filters on. */
static const struct name_entry hci_event_names[] = {
        { "inquiry-complete",           0x01 },
        { "inquiry-result",             0x02 },
        { "connection-complete",        0x03 },
        { "connection-request",         0x04 },
        { "disconnection-complete",     0x05 },
        { "authentication-complete",    0x06 },
        { "remote-name-request-complete", 0x07 },
        { "encryption-change",          0x08 },
        { "command-complete",           0x0e },
        { "command-status",             0x0f },
        { "hardware-error",             0x10 },
        { "number-of-completed-packets", 0x13 },
        { "inquiry-result-with-rssi",   0x22 },
        { "extended-inquiry-result",    0x2f },
        { "le-meta",                    0x3e },
        { "vendor",                     0xff },
};

/* HCI command opcodes, OGF << 10 | OCF (Bluetooth Core, Vol 4, Part E,
 * 7.1-7.8): what scanning and controller set-up send. */
static const struct name_entry hci_command_names[] = {
        { "inquiry",                    0x0401 },
        { "inquiry-cancel",             0x0402 },
        { "set-event-mask",             0x0c01 },
        { "reset",                      0x0c03 },
        { "read-local-version",         0x1001 },
        { "read-local-commands",        0x1002 },
        { "read-local-features",        0x1003 },
        { "read-bd-addr",               0x1009 },
        { "le-set-event-mask",          0x2001 },
        { "le-read-buffer-size",        0x2002 },
        { "le-read-local-features",     0x2003 },
        { "le-set-random-address",      0x2005 },
        { "le-set-advertising-parameters", 0x2006 },
        { "le-set-advertising-data",    0x2008 },
        { "le-set-advertise-enable",    0x200a },
        { "le-set-scan-parameters",     0x200b },
        { "le-set-scan-enable",         0x200c },
        { "le-set-ext-scan-parameters", 0x2041 },
        { "le-set-ext-scan-enable",     0x2042 },
};

/* The parameter length of each named command that has a fixed one. */
static const struct {
        uint16_t opcode;
        uint8_t len;
} hci_command_lengths[] = {
        { 0x0401, 5 }, { 0x0402, 0 }, { 0x0c01, 8 }, { 0x0c03, 0 },
        { 0x1001, 0 }, { 0x1002, 0 }, { 0x1003, 0 }, { 0x1009, 0 },
        { 0x2001, 8 }, { 0x2002, 0 }, { 0x2003, 0 }, { 0x2005, 6 },
        { 0x2006, 15 }, { 0x2008, 32 }, { 0x200a, 1 }, { 0x200b, 7 },
        { 0x200c, 2 }, { 0x2042, 6 },
};

/* The ranges, and which families print numbers in hex, are
 * names_protocol_range() (number.c). */
static const struct protocol_table protocol_tables[] = {
        { AF_INET,      ip_protocol_names,        ELEMENTSOF(ip_protocol_names) },
        { AF_INET6,     ip_protocol_names,        ELEMENTSOF(ip_protocol_names) },
        { AF_PACKET,    ether_protocol_names,     ELEMENTSOF(ether_protocol_names) },
        { AF_CAN,       can_protocol_names,       ELEMENTSOF(can_protocol_names) },
        { AF_BLUETOOTH, bluetooth_protocol_names, ELEMENTSOF(bluetooth_protocol_names) },
        { AF_NETLINK,   netlink_protocol_names,   ELEMENTSOF(netlink_protocol_names) },
        { AF_UNIX,      NULL,                     0 },
};

static const struct name_entry *name_lookup(const struct name_entry *table, size_t n,
                                            const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].name, name) == 0)
                        return &table[i];
        return NULL;
}

/* The first entry with the value is the canonical name. */
static const char *name_of(const struct name_entry *table, size_t n, uint32_t value)
{
        for (size_t i = 0; i < n; i++)
                if (table[i].value == value)
                        return table[i].name;
        return NULL;
}

static const struct protocol_table *protocol_table_find(int family)
{
        for (size_t i = 0; i < ELEMENTSOF(protocol_tables); i++)
                if (protocol_tables[i].family == family)
                        return &protocol_tables[i];
        return NULL;
}

int names_family_from_string(const char *s)
{
        const struct name_entry *e;

        if (!s)
                return -EINVAL;
        e = name_lookup(family_names, ELEMENTSOF(family_names), s);
        return e ? (int)e->value : -EINVAL;
}

const char *names_family_to_string(int family)
{
        if (family < 0)
                return NULL;
        return name_of(family_names, ELEMENTSOF(family_names), (uint32_t)family);
}

int names_type_from_string(const char *s)
{
        const struct name_entry *e;

        if (!s)
                return -EINVAL;
        e = name_lookup(type_names, ELEMENTSOF(type_names), s);
        return e ? (int)e->value : -EINVAL;
}

const char *names_type_to_string(int type)
{
        if (type < 0)
                return NULL;
        return name_of(type_names, ELEMENTSOF(type_names), (uint32_t)type);
}

int names_protocol_from_string(int family, const char *s, uint32_t *ret)
{
        const struct protocol_table *t;
        const struct names_protocol_range *range;
        const struct name_entry *e;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        t = protocol_table_find(family);
        range = names_protocol_range(family);
        if (!t || !range)
                return -EINVAL;

        /* Names first: "1588" is PTP's name, not the number 1588. */
        e = t->names ? name_lookup(t->names, t->n_names, s) : NULL;
        if (e) {
                v = e->value;
        } else {
                r = names_parse_uint(s, range->max, &v);
                if (r < 0)
                        return r;
        }

        if (ret)
                *ret = (uint32_t)v;
        return 0;
}

int names_protocol_to_string(int family, uint32_t protocol, char *buf, size_t size)
{
        const struct protocol_table *t = protocol_table_find(family);
        const struct names_protocol_range *range = names_protocol_range(family);
        const char *name = NULL;
        int n;

        if (!buf || size == 0)
                return -ENOBUFS;

        if (t && t->names)
                name = name_of(t->names, t->n_names, protocol);

        if (name)
                n = snprintf(buf, size, "%s", name);
        else if (range && range->hex)
                n = snprintf(buf, size, "0x%04" PRIx32, protocol);
        else
                n = snprintf(buf, size, "%" PRIu32, protocol);

        if (n < 0 || (size_t)n >= size)
                return -ENOBUFS;
        return 0;
}

/* A name from table, else a number up to max. */
static int name_or_number(const struct name_entry *table, size_t n, uint64_t max, const char *s,
                          uint32_t *ret)
{
        const struct name_entry *e;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        e = name_lookup(table, n, s);
        if (e) {
                v = e->value;
        } else {
                r = names_parse_uint(s, max, &v);
                if (r < 0)
                        return r;
        }
        if (ret)
                *ret = (uint32_t)v;
        return 0;
}

int names_hci_event_from_string(const char *s, uint32_t *ret)
{
        return name_or_number(hci_event_names, ELEMENTSOF(hci_event_names), 0xff, s, ret);
}

const char *names_hci_event_to_string(uint32_t code)
{
        return name_of(hci_event_names, ELEMENTSOF(hci_event_names), code);
}

int names_hci_command_from_string(const char *s, uint32_t *ret)
{
        return name_or_number(hci_command_names, ELEMENTSOF(hci_command_names), 0xffff, s, ret);
}

const char *names_hci_command_to_string(uint32_t opcode)
{
        return name_of(hci_command_names, ELEMENTSOF(hci_command_names), opcode);
}

int names_hci_command_params(uint32_t opcode)
{
        for (size_t i = 0; i < ELEMENTSOF(hci_command_lengths); i++)
                if (hci_command_lengths[i].opcode == opcode)
                        return hci_command_lengths[i].len;
        return -1;
}
