/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.h - socket specs, "FAMILY/TYPE[/PROTOCOL][@ADDRESS]". Pure.
 *
 * ADDRESS is the address grammar of sb_addr_parse() (sockbroker-
 * addresses(7)), parsed by the same code, wherever the spec carries the
 * socket's address; interface names stay names, for the broker to
 * resolve in its namespace, and an interface index is refused. For can
 * and bluetooth the type may be left out, "FAMILY/PROTOCOL", each of
 * their protocols having one usual type:
 *   can/raw@IFACE[,fd]              can/bcm@IFACE
 *   can/isotp@IFACE,RX_ID,TX_ID[,fd]
 *   can/j1939@IFACE,NAME,PGN,ADDR   ("-" for J1939_NO_*)
 *   bluetooth/hci@DEV[,raw|user]    bluetooth/hci@monitor  bluetooth/hci@control
 *   packet/TYPE[/PROTO]@IFACE[,PROTO[,...]]
 * ",fd" is no part of the address: it asks for CAN FD frames. Where the
 * broker binds to a controller's own address instead of a Bluetooth
 * address, the spec names the controller in its place:
 *   bluetooth/l2cap@hciN[,PSM]      bluetooth/rfcomm@hciN[,CHANNEL]
 *   bluetooth/sco@hciN
 * inet and inet6 specs take an interface only: "@IFNAME".
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SB_SPEC_MAX 256u

struct sb_spec {
        int family;
        int type;
        uint32_t protocol;       /* host order; EtherType for packet */
        char ifname[IFNAMSIZ];   /* "" for none; CAN's interface */

        /* CAN */
        bool has_can_ids;
        uint32_t rx_id, tx_id;   /* ISO-TP */
        bool has_j1939;
        uint64_t j1939_name;
        uint32_t j1939_pgn;
        uint32_t j1939_addr;
        bool can_fd;             /* ",fd": CAN FD frames */

        /* Bluetooth */
        bool has_dev;
        uint32_t dev;            /* hciN */
        bool has_channel;
        uint32_t channel;        /* HCI channel (SB_HCI_CHANNEL_*) or RFCOMM channel */
        bool has_psm;
        uint32_t psm;            /* L2CAP */
};

/* Bluetooth protocols, which BlueZ's headers define and the kernel's
 * UAPI does not. */
#define SB_BTPROTO_L2CAP 0u
#define SB_BTPROTO_HCI 1u
#define SB_BTPROTO_SCO 2u
#define SB_BTPROTO_RFCOMM 3u

/* The highest controller index a spec may name: HCI_DEV_NONE (0xffff)
 * is "no controller". */
#define SB_HCI_MAX_DEV 0xfffeu

/* HCI channels, as the kernel numbers them. */
#define SB_HCI_CHANNEL_RAW 0u
#define SB_HCI_CHANNEL_USER 1u
#define SB_HCI_CHANNEL_MONITOR 2u
#define SB_HCI_CHANNEL_CONTROL 3u

/* Parses a controller name, "hciN" with N at most SB_HCI_MAX_DEV.
 * Returns 0, or -EINVAL. */
int sb_spec_parse_hci_device(const char *text, uint32_t *ret);

/* Parses a spec. Returns 0, or -EINVAL with a reason in why. */
int sb_spec_parse(const char *text, struct sb_spec *ret, char *why, size_t why_size);

/*
 * The spec of a socket(2) call the kernel refused, as the preload shim and
 * the seccomp supervisor of `sockbroker run` ask the broker for it: type
 * without SOCK_NONBLOCK and SOCK_CLOEXEC, an AF_PACKET protocol turned
 * from network to host order, and for AF_PACKET and AF_CAN the interface
 * iface (may be NULL), which lets an iface= rule match a program that
 * names it only later. Returns 0, or -EINVAL for an invalid interface
 * name.
 */
int sb_spec_from_socket(int family, int type, int protocol, const char *iface,
                        struct sb_spec *ret);

/* Canonical text of a spec. Returns 0 or -ENOBUFS. */
int sb_spec_format(const struct sb_spec *s, char *buf, size_t size);

/*
 * The address grammar, for specs; implemented in client-lib/socket/addr.c
 * next to sb_addr_parse() and sb_addr_format(), so that there is one
 * parser of address text. Both return 0 or a negative errno.
 *
 * sb_addr_parse_unresolved() is sb_addr_parse() except that an interface
 * name is not looked up: it is copied to ifname (IF_NAMESIZE bytes, ""
 * when the text gives "any", nothing or an index) and the address holds
 * index 0. sb_addr_format_unresolved() is sb_addr_format() writing
 * ifname, unless NULL or "", in place of the address's interface index.
 */
int sb_addr_parse_unresolved(int family, int protocol, const char *text,
                             struct sockaddr_storage *ss, socklen_t *len, char *ifname);
int sb_addr_format_unresolved(const struct sockaddr *sa, socklen_t len, int protocol,
                              const char *ifname, char *buf, size_t size);

/* An EtherType as the address grammar takes it: a name, or hexadecimal
 * with 0x; decimal only as the name "1588" (PTP). */
int sb_addr_parse_ethertype(const char *text, uint32_t *ret);
