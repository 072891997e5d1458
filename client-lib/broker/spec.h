/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.h - socket specs, "FAMILY/TYPE[/PROTOCOL][@ADDRESS]". Pure.
 *
 * For can and bluetooth the type may be left out, "FAMILY/PROTOCOL",
 * each of their protocols having one usual type, and ADDRESS says more
 * than an interface:
 *   can/raw@IF[,fd]                 can/bcm@IF
 *   can/isotp@IF,RXID,TXID[,fd]     can/j1939@IF,NAME,PGN,ADDR
 *   bluetooth/hci@hciN[,raw|user]   bluetooth/hci@monitor  bluetooth/hci@control
 *   bluetooth/l2cap@hciN[,PSM]      bluetooth/rfcomm@hciN[,CHANNEL]
 *   bluetooth/sco@hciN
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Canonical text of a spec. Returns 0 or -ENOBUFS. */
int sb_spec_format(const struct sb_spec *s, char *buf, size_t size);
