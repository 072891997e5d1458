/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.c - socket specs: the text a person types for a brokered socket.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/can.h>
#include <linux/can/j1939.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "client-lib/broker/spec.h"
#include "common/bt.h"
#include "common/names.h"
#include "common/util.h"
#include "proto/protocol.h"

/* The usual type of each CAN and Bluetooth protocol, for "FAMILY/PROTOCOL". */
static int usual_type(int family, uint32_t protocol)
{
        if (family == AF_CAN)
                return protocol == CAN_RAW ? SOCK_RAW : SOCK_DGRAM;
        switch (protocol) {
        case SB_BTPROTO_HCI:
                return SOCK_RAW;
        case SB_BTPROTO_RFCOMM:
                return SOCK_STREAM;
        default:
                return SOCK_SEQPACKET;
        }
}

/* Splits "a,b,c" in place into at most max parts; returns their count,
 * or -1 for more than max or an empty part. */
static int split_commas(char *s, char **parts, int max)
{
        int n = 0;

        for (char *p; (p = strsep(&s, ",")); ) {
                if (n == max || !p[0])
                        return -1;
                parts[n++] = p;
        }
        return n;
}

/* The interface of a parsed address: a name, or none for "any". An index
 * would be looked up in the broker's namespace, not the writer's. */
static int take_ifname(const char *at, int ifindex, const char *ifname, struct sb_spec *s,
                       char *why, size_t why_size)
{
        if (ifindex != 0)
                return refuse(-EINVAL, why, why_size, "'%s' gives an interface index; a spec names "
                              "the interface, which the broker looks up", at);
        strcpy(s->ifname, ifname);
        return 0;
}

/*
 * The CAN address is sb_addr_parse()'s, given to addr.c; ",fd" after it
 * asks for CAN FD frames and is no part of the sockaddr. Protocols the
 * address grammar has no form for (tp16, tp20, mcnet) take the interface
 * alone, as raw does.
 */
static int parse_can_address(char *at, struct sb_spec *s, char *why, size_t why_size)
{
        struct sockaddr_storage ss;
        struct sockaddr_can can;
        char ifname[IF_NAMESIZE];
        socklen_t len;
        char *comma;
        int protocol, r;

        comma = strrchr(at, ',');
        if (comma && streq(comma + 1, "fd")) {
                if (s->protocol != CAN_RAW && s->protocol != CAN_ISOTP)
                        return refuse(-EINVAL, why, why_size, "',fd' is for raw and isotp sockets");
                s->can_fd = true;
                *comma = 0;
        }

        protocol = s->protocol == CAN_BCM || s->protocol == CAN_ISOTP || s->protocol == CAN_J1939
                   ? (int)s->protocol : CAN_RAW;
        r = sb_addr_parse_unresolved(AF_CAN, protocol, at, &ss, &len, ifname);
        if (r < 0) {
                if (protocol == CAN_ISOTP)
                        return refuse(-EINVAL, why, why_size, "'%s' is not an isotp address, "
                                      "IFACE,RX_ID,TX_ID[,fd] (ids up to 0x1fffffff)", at);
                if (protocol == CAN_J1939)
                        return refuse(-EINVAL, why, why_size, "'%s' is not a j1939 address, "
                                      "IFACE,NAME,PGN,ADDR ('-' for none)", at);
                return refuse(-EINVAL, why, why_size, "'%s' is not a CAN interface (a %s address "
                              "is the interface alone)", at, protocol == CAN_BCM ? "bcm" : "raw");
        }
        memcpy(&can, &ss, sizeof(can));
        r = take_ifname(at, can.can_ifindex, ifname, s, why, why_size);
        if (r < 0)
                return r;

        if (protocol == CAN_ISOTP) {
                s->has_can_ids = true;
                s->rx_id = can.can_addr.tp.rx_id;
                s->tx_id = can.can_addr.tp.tx_id;
        } else if (protocol == CAN_J1939) {
                s->has_j1939 = true;
                s->j1939_name = can.can_addr.j1939.name;
                s->j1939_pgn = can.can_addr.j1939.pgn;
                s->j1939_addr = can.can_addr.j1939.addr;
        }
        return 0;
}

int sb_spec_parse_hci_device(const char *text, uint32_t *ret)
{
        uint64_t v;

        /* names_parse_uint() takes no sign, nor an empty string. */
        if (strncmp(text, "hci", 3) != 0 || names_parse_uint(text + 3, SB_HCI_MAX_DEV, &v) < 0)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

/*
 * The HCI address is sb_addr_parse()'s: DEV[,CHANNEL], or a channel that
 * takes no controller alone. Only the channels the broker hands out are
 * taken, each with or without a controller as the kernel binds it.
 */
static int parse_hci_address(const char *at, struct sb_spec *s, char *why, size_t why_size)
{
        struct sockaddr_storage ss;
        struct sockaddr_hci hci;
        char ifname[IF_NAMESIZE];
        socklen_t len;

        if (sb_addr_parse_unresolved(AF_BLUETOOTH, SB_BTPROTO_HCI, at, &ss, &len, ifname) < 0)
                return refuse(-EINVAL, why, why_size, "'%s' is not an HCI address, "
                              "hciN[,raw|user], monitor or control", at);
        memcpy(&hci, &ss, sizeof(hci));

        s->has_channel = true;
        s->channel = hci.hci_channel;
        switch (hci.hci_channel) {
        case SB_HCI_CHANNEL_RAW:
        case SB_HCI_CHANNEL_USER:
                if (hci.hci_dev > SB_HCI_MAX_DEV)
                        return refuse(-EINVAL, why, why_size, "'%s' names no controller (hciN); "
                                      "raw and user channels need one", at);
                s->has_dev = true;
                s->dev = hci.hci_dev;
                return 0;
        case SB_HCI_CHANNEL_MONITOR:
        case SB_HCI_CHANNEL_CONTROL:
                if (hci.hci_dev <= SB_HCI_MAX_DEV)
                        return refuse(-EINVAL, why, why_size, "'%s': monitor and control channels "
                                      "have no controller", at);
                return 0;
        default:
                return refuse(-EINVAL, why, why_size, "'%s': the broker hands out HCI channels "
                              "raw, user, monitor and control only", at);
        }
}

/*
 * L2CAP, RFCOMM and SCO: the broker binds to the controller's own
 * address, so the field that is the BDADDR in sb_addr_parse() names the
 * controller here, as DEV of an HCI address; the PSM and channel are
 * NUMBERs as there.
 */
static int parse_bluetooth_address(char *at, struct sb_spec *s, char *why, size_t why_size)
{
        struct sockaddr_storage ss;
        struct sockaddr_hci hci;
        char ifname[IF_NAMESIZE], *part[3];
        socklen_t len;
        uint64_t v;
        int n;

        if (s->protocol == SB_BTPROTO_HCI)
                return parse_hci_address(at, s, why, why_size);

        n = split_commas(at, part, 3);
        if (n < 1 || n > 2)
                return refuse(-EINVAL, why, why_size, "'%s' is not hciN[,ARG]", at);
        if (sb_addr_parse_unresolved(AF_BLUETOOTH, SB_BTPROTO_HCI, part[0], &ss, &len, ifname) < 0)
                return refuse(-EINVAL, why, why_size, "'%s' is not a controller (hciN)", part[0]);
        memcpy(&hci, &ss, sizeof(hci));
        if (hci.hci_channel != SB_HCI_CHANNEL_RAW || hci.hci_dev > SB_HCI_MAX_DEV)
                return refuse(-EINVAL, why, why_size, "'%s' is not a controller (hciN)", part[0]);
        s->has_dev = true;
        s->dev = hci.hci_dev;

        switch (s->protocol) {
        case SB_BTPROTO_L2CAP:
                if (n == 2) {
                        /* PSMs are odd, with bit 8 clear in the low octet. */
                        if (names_parse_uint(part[1], 0xffff, &v) < 0 || !(v & 1) || (v & 0x100))
                                return refuse(-EINVAL, why, why_size, "'%s' is not a valid PSM", part[1]);
                        s->has_psm = true;
                        s->psm = (uint32_t)v;
                }
                return 0;
        case SB_BTPROTO_RFCOMM:
                if (n == 2) {
                        /* 0, which lets listen(2) pick, is not the broker's to grant. */
                        if (names_parse_uint(part[1], 30, &v) < 0 || v == 0)
                                return refuse(-EINVAL, why, why_size, "'%s' is not an RFCOMM channel (1-30)",
                                              part[1]);
                        s->has_channel = true;
                        s->channel = (uint32_t)v;
                }
                return 0;
        default:
                if (n == 2)
                        return refuse(-EINVAL, why, why_size, "this protocol's address is the controller alone");
                return 0;
        }
}

/*
 * The packet address is sb_addr_parse()'s, IFACE[,PROTO[,...]]. Its PROTO
 * is the socket's, so it must agree with the spec's when both are given,
 * and stands for it when the spec leaves it out. PKTTYPE, HATYPE and
 * HWADDR are taken, as getsockname(2) writes them, and dropped: bind(2)
 * ignores them too.
 */
static int parse_packet_address(const char *at, bool proto_given, struct sb_spec *s,
                                 char *why, size_t why_size)
{
        struct sockaddr_storage ss;
        struct sockaddr_ll sll;
        char ifname[IF_NAMESIZE];
        socklen_t len;
        uint32_t proto;
        int r;

        if (sb_addr_parse_unresolved(AF_PACKET, 0, at, &ss, &len, ifname) < 0)
                return refuse(-EINVAL, why, why_size, "'%s' is not a packet address, "
                              "IFACE[,PROTO[,...]] (EtherTypes as names or 0x hex)", at);
        memcpy(&sll, &ss, sizeof(sll));
        r = take_ifname(at, sll.sll_ifindex, ifname, s, why, why_size);
        if (r < 0)
                return r;

        proto = ntohs(sll.sll_protocol);
        if (proto == 0)
                return 0;
        if (proto_given && proto != s->protocol)
                return refuse(-EINVAL, why, why_size, "the address's EtherType 0x%04x differs "
                              "from the spec's 0x%04x", proto, s->protocol);
        s->protocol = proto;
        return 0;
}

int sb_spec_parse(const char *text, struct sb_spec *ret, char *why, size_t why_size)
{
        char buf[SB_SPEC_MAX], *at, *family, *type, *proto, *save = NULL;
        struct sb_spec s = {};
        int r;

        if (!text || !text[0])
                return refuse(-EINVAL, why, why_size, "empty spec");
        if (strlen(text) >= sizeof(buf))
                return refuse(-EINVAL, why, why_size, "spec longer than %u bytes", SB_SPEC_MAX - 1);
        strcpy(buf, text);

        at = strchr(buf, '@');
        if (at) {
                *at++ = 0;
                if (strchr(at, '@'))
                        return refuse(-EINVAL, why, why_size, "'%s' has more than one '@'", text);
                if (!at[0])
                        return refuse(-EINVAL, why, why_size, "'%s' has nothing after '@'", text);
        }

        save = buf;
        family = strsep(&save, "/");
        type = strsep(&save, "/");
        proto = strsep(&save, "/");
        if (!family || !type || !family[0] || !type[0] || (proto && !proto[0]))
                return refuse(-EINVAL, why, why_size, "'%s' is not FAMILY/TYPE[/PROTOCOL][@ADDRESS]", text);
        if (save)
                return refuse(-EINVAL, why, why_size, "'%s' has more than three parts before '@'", text);

        r = names_family_from_string(family);
        if (r < 0)
                return refuse(-EINVAL, why, why_size, "unknown family '%s'", family);
        s.family = r;
        if (s.family != AF_INET && s.family != AF_INET6 && s.family != AF_PACKET &&
            s.family != AF_CAN && s.family != AF_BLUETOOTH)
                return refuse(-EINVAL, why, why_size, "family '%s' has no spec form", family);

        r = names_type_from_string(type);
        if (r < 0 && !proto && (s.family == AF_CAN || s.family == AF_BLUETOOTH) &&
            names_protocol_from_string(s.family, type, &s.protocol) == 0) {
                /* "can/isotp": the protocol, with its usual type */
                r = usual_type(s.family, s.protocol);
                proto = NULL;
        } else if (r < 0) {
                return refuse(-EINVAL, why, why_size, "unknown socket type '%s'", type);
        } else if (proto && s.family == AF_PACKET) {
                /* The EtherType rule of the address grammar: "1588" is PTP. */
                if (sb_addr_parse_ethertype(proto, &s.protocol) < 0)
                        return refuse(-EINVAL, why, why_size, "unknown EtherType '%s' (a name, or hex "
                                      "with 0x: decimal numbers are refused)", proto);
        } else if (proto) {
                if (names_protocol_from_string(s.family, proto, &s.protocol) < 0)
                        return refuse(-EINVAL, why, why_size, "unknown %s protocol '%s'", family, proto);
        } else if (s.family == AF_PACKET) {
                s.protocol = ETH_P_ALL;
        } else if (s.family == AF_CAN && r == SOCK_RAW) {
                s.protocol = CAN_RAW;
        } else if (s.family == AF_CAN || s.family == AF_BLUETOOTH) {
                return refuse(-EINVAL, why, why_size, "'%s' needs a protocol", text);
        }
        s.type = r;

        if (s.family == AF_CAN) {
                if (!at)
                        return refuse(-EINVAL, why, why_size, "a CAN socket needs an interface: %s@IFNAME", text);
                r = parse_can_address(at, &s, why, why_size);
        } else if (s.family == AF_BLUETOOTH) {
                if (!at)
                        return refuse(-EINVAL, why, why_size, "a Bluetooth socket needs a controller: %s@hciN",
                                      text);
                r = parse_bluetooth_address(at, &s, why, why_size);
        } else if (at && s.family == AF_PACKET) {
                r = parse_packet_address(at, proto != NULL, &s, why, why_size);
        } else if (at) {
                if (!sb_proto_ifname_valid(at))
                        return refuse(-EINVAL, why, why_size, "'%s' is not a valid interface name", at);
                strcpy(s.ifname, at);
                r = 0;
        }
        if (r < 0)
                return r;

        *ret = s;
        return 0;
}

/* Writes ADDRESS, "@" and the address grammar's canonical text, for CAN
 * and Bluetooth specs. */
static int format_address(const struct sb_spec *s, char *buf, size_t size)
{
        int n = 0, r;

        if (size < 2)
                return -ENOBUFS;
        buf[0] = '@';
        if (s->family == AF_CAN) {
                struct sockaddr_can can = { .can_family = AF_CAN };
                int protocol = CAN_RAW;

                if (s->has_can_ids) {
                        protocol = CAN_ISOTP;
                        can.can_addr.tp.rx_id = s->rx_id;
                        can.can_addr.tp.tx_id = s->tx_id;
                } else if (s->has_j1939) {
                        protocol = CAN_J1939;
                        can.can_addr.j1939.name = s->j1939_name;
                        can.can_addr.j1939.pgn = s->j1939_pgn;
                        can.can_addr.j1939.addr = (uint8_t)s->j1939_addr;
                }
                r = sb_addr_format_unresolved((struct sockaddr *)&can, sizeof(can), protocol,
                                              s->ifname, buf + 1, size - 1);
                if (r < 0)
                        return -ENOBUFS;
                n = (int)strlen(buf);
                if (s->can_fd)
                        n += snprintf(buf + n, size - (size_t)n, ",fd");
        } else if (s->protocol == SB_BTPROTO_HCI) {
                struct sockaddr_hci hci = {
                        .hci_family = AF_BLUETOOTH,
                        .hci_dev = s->has_dev ? (unsigned short)s->dev : HCI_DEV_NONE,
                        .hci_channel = (unsigned short)s->channel,
                };

                r = sb_addr_format_unresolved((struct sockaddr *)&hci, sizeof(hci),
                                              SB_BTPROTO_HCI, NULL, buf + 1, size - 1);
                if (r < 0)
                        return -ENOBUFS;
        } else if (s->has_dev) {
                n = snprintf(buf, size, "@hci%u", s->dev);
                if (n >= 0 && (size_t)n < size) {
                        if (s->protocol == SB_BTPROTO_L2CAP && s->has_psm)
                                n += snprintf(buf + n, size - (size_t)n, ",0x%04x", s->psm);
                        else if (s->protocol == SB_BTPROTO_RFCOMM && s->has_channel)
                                n += snprintf(buf + n, size - (size_t)n, ",%u", s->channel);
                }
        } else {
                buf[0] = 0;
        }
        return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}

int sb_spec_format(const struct sb_spec *s, char *buf, size_t size)
{
        const char *family = names_family_to_string(s->family);
        const char *type = names_type_to_string(s->type);
        char proto[32], address[96] = "";
        int n;

        if (names_protocol_to_string(s->family, s->protocol, proto, sizeof(proto)) < 0)
                return -ENOBUFS;
        if (s->family == AF_CAN || s->family == AF_BLUETOOTH) {
                if (format_address(s, address, sizeof(address)) < 0)
                        return -ENOBUFS;
        } else if (s->family == AF_PACKET && s->ifname[0]) {
                /* The address without PROTO, which the spec writes before it. */
                struct sockaddr_ll sll = { .sll_family = AF_PACKET };

                address[0] = '@';
                if (sb_addr_format_unresolved((struct sockaddr *)&sll, sizeof(sll), 0, s->ifname,
                                              address + 1, sizeof(address) - 1) < 0)
                        return -ENOBUFS;
        } else if (s->ifname[0]) {
                snprintf(address, sizeof(address), "@%s", s->ifname);
        }
        n = snprintf(buf, size, "%s/%s/%s%s", family ?: "?", type ?: "?", proto, address);
        return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}

int sb_spec_from_socket(int family, int type, int protocol, const char *iface,
                        struct sb_spec *ret)
{
        *ret = (struct sb_spec) {
                .family = family,
                .type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC),
                /* socket(2) takes an EtherType in network byte order. */
                .protocol = family == AF_PACKET ? ntohs((uint16_t)protocol) : (uint32_t)protocol,
        };
        if ((family != AF_PACKET && family != AF_CAN) || !iface || !iface[0])
                return 0;
        if (!sb_proto_ifname_valid(iface))
                return -EINVAL;
        memcpy(ret->ifname, iface, strlen(iface) + 1);
        return 0;
}
