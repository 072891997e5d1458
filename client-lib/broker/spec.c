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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "client-lib/broker/spec.h"
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

static int parse_number(const char *s, uint64_t max, uint64_t *ret)
{
        return names_parse_uint(s, max, ret);
}

static int parse_can_address(char *at, struct sb_spec *s, char *why, size_t why_size)
{
        char *part[5];
        uint64_t v[3];
        int n, want;

        n = split_commas(at, part, 5);
        if (n < 1)
                return refuse(-EINVAL, why, why_size, "'%s' is not IFNAME[,...]", at);
        if (!sb_proto_ifname_valid(part[0]))
                return refuse(-EINVAL, why, why_size, "'%s' is not a valid interface name", part[0]);
        strcpy(s->ifname, part[0]);

        if (n > 1 && streq(part[n - 1], "fd")) {
                if (s->protocol != CAN_RAW && s->protocol != CAN_ISOTP)
                        return refuse(-EINVAL, why, why_size, "',fd' is for raw and isotp sockets");
                s->can_fd = true;
                n--;
        }

        want = s->protocol == CAN_ISOTP ? 3 : s->protocol == CAN_J1939 ? 4 : 1;
        if (n != want) {
                if (s->protocol == CAN_ISOTP)
                        return refuse(-EINVAL, why, why_size, "an isotp address is IFNAME,RXID,TXID[,fd]");
                if (s->protocol == CAN_J1939)
                        return refuse(-EINVAL, why, why_size, "a j1939 address is IFNAME,NAME,PGN,ADDR");
                return refuse(-EINVAL, why, why_size, "a CAN %s address is the interface alone",
                              s->protocol == CAN_RAW ? "raw" : "bcm");
        }

        if (s->protocol == CAN_ISOTP) {
                /* Extended ids carry CAN_EFF_FLAG, as in struct sockaddr_can. */
                for (int i = 0; i < 2; i++)
                        if (parse_number(part[1 + i], UINT32_MAX, &v[i]) < 0)
                                return refuse(-EINVAL, why, why_size, "'%s' is not a CAN id", part[1 + i]);
                s->has_can_ids = true;
                s->rx_id = (uint32_t)v[0];
                s->tx_id = (uint32_t)v[1];
        } else if (s->protocol == CAN_J1939) {
                if (parse_number(part[1], UINT64_MAX, &v[0]) < 0)
                        return refuse(-EINVAL, why, why_size, "'%s' is not a J1939 NAME", part[1]);
                if (parse_number(part[2], J1939_NO_PGN, &v[1]) < 0)
                        return refuse(-EINVAL, why, why_size, "'%s' is not a PGN (0x40000 for none)", part[2]);
                if (parse_number(part[3], J1939_NO_ADDR, &v[2]) < 0)
                        return refuse(-EINVAL, why, why_size, "'%s' is not a J1939 address (0xff for none)", part[3]);
                s->has_j1939 = true;
                s->j1939_name = v[0];
                s->j1939_pgn = (uint32_t)v[1];
                s->j1939_addr = (uint32_t)v[2];
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

static int parse_bluetooth_address(char *at, struct sb_spec *s, char *why, size_t why_size)
{
        char *part[3];
        uint64_t v;
        int n;

        n = split_commas(at, part, 3);
        if (n < 1 || n > 2)
                return refuse(-EINVAL, why, why_size, "'%s' is not hciN[,ARG]", at);

        if (s->protocol == SB_BTPROTO_HCI && n == 1 &&
            (streq(part[0], "monitor") || streq(part[0], "control"))) {
                s->has_channel = true;
                s->channel = streq(part[0], "monitor") ? SB_HCI_CHANNEL_MONITOR
                                                       : SB_HCI_CHANNEL_CONTROL;
                return 0;
        }
        if (sb_spec_parse_hci_device(part[0], &s->dev) < 0)
                return refuse(-EINVAL, why, why_size, "'%s' is not a controller (hciN)", part[0]);
        s->has_dev = true;

        switch (s->protocol) {
        case SB_BTPROTO_HCI:
                s->has_channel = true;
                s->channel = SB_HCI_CHANNEL_RAW;
                if (n == 2) {
                        if (streq(part[1], "raw"))
                                s->channel = SB_HCI_CHANNEL_RAW;
                        else if (streq(part[1], "user"))
                                s->channel = SB_HCI_CHANNEL_USER;
                        else
                                return refuse(-EINVAL, why, why_size, "HCI channel '%s' is not raw or "
                                              "user (monitor and control have no device)", part[1]);
                }
                return 0;
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

/* Appends ADDRESS for CAN and Bluetooth specs. */
static int format_address(const struct sb_spec *s, char *buf, size_t size)
{
        static const char *const hci[] = { "raw", "user", "monitor", "control" };
        int n = 0;

        if (s->family == AF_CAN) {
                if (s->has_can_ids)
                        n = snprintf(buf, size, "@%s,0x%x,0x%x", s->ifname, s->rx_id, s->tx_id);
                else if (s->has_j1939)
                        n = snprintf(buf, size, "@%s,0x%" PRIx64 ",0x%x,0x%x", s->ifname,
                                     s->j1939_name, s->j1939_pgn, s->j1939_addr);
                else
                        n = snprintf(buf, size, "@%s", s->ifname);
                if (n >= 0 && (size_t)n < size && s->can_fd)
                        n += snprintf(buf + n, size - (size_t)n, ",fd");
        } else if (s->protocol == SB_BTPROTO_HCI && !s->has_dev && s->has_channel &&
                   s->channel < ELEMENTSOF(hci)) {
                n = snprintf(buf, size, "@%s", hci[s->channel]);
        } else if (s->has_dev) {
                n = snprintf(buf, size, "@hci%u", s->dev);
                if (n >= 0 && (size_t)n < size) {
                        if (s->protocol == SB_BTPROTO_HCI && s->channel == SB_HCI_CHANNEL_USER)
                                n += snprintf(buf + n, size - (size_t)n, ",user");
                        else if (s->protocol == SB_BTPROTO_L2CAP && s->has_psm)
                                n += snprintf(buf + n, size - (size_t)n, ",0x%04x", s->psm);
                        else if (s->protocol == SB_BTPROTO_RFCOMM && s->has_channel)
                                n += snprintf(buf + n, size - (size_t)n, ",%u", s->channel);
                }
        } else if (size > 0) {
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
        } else if (s->ifname[0]) {
                snprintf(address, sizeof(address), "@%s", s->ifname);
        }
        n = snprintf(buf, size, "%s/%s/%s%s", family ?: "?", type ?: "?", proto, address);
        return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}
