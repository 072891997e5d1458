/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bt.h - the Bluetooth socket ABI that sockbroker uses: addresses, the
 * HCI filter and controller information.
 *
 * The kernel keeps these definitions in include/net/bluetooth/, which is
 * not exported as UAPI; userspace normally takes them from BlueZ's
 * <bluetooth/bluetooth.h> and friends. sockbroker does not depend on
 * libbluetooth-dev for a handful of structs, so they are spelled out
 * here, with the layout pinned by static assertions. Do not include this
 * together with BlueZ's headers: the names are the same on purpose.
 */
#pragma once

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* Socket protocols of AF_BLUETOOTH (include/net/bluetooth/bluetooth.h). */
#define BTPROTO_L2CAP   0
#define BTPROTO_HCI     1
#define BTPROTO_SCO     2
#define BTPROTO_RFCOMM  3

/* l2_bdaddr_type values (include/net/bluetooth/bluetooth.h). */
#define BDADDR_BREDR            0x00
#define BDADDR_LE_PUBLIC        0x01
#define BDADDR_LE_RANDOM        0x02

/* hci_dev of an HCI socket bound to no controller (monitor, control). */
#define HCI_DEV_NONE            0xffff

/* hci_channel values (include/net/bluetooth/hci_sock.h). */
#define HCI_CHANNEL_RAW         0
#define HCI_CHANNEL_USER        1
#define HCI_CHANNEL_MONITOR     2
#define HCI_CHANNEL_CONTROL     3
#define HCI_CHANNEL_LOGGING     4

/* RFCOMM server channels are 1..30 (net/bluetooth/rfcomm/core.c). */
#define RFCOMM_CHANNEL_MAX      30

/* A device address, least significant byte first. */
typedef struct {
        uint8_t b[6];
} __attribute__((packed)) bdaddr_t;

struct sockaddr_hci {
        sa_family_t hci_family;
        unsigned short hci_dev;
        unsigned short hci_channel;
};

/* l2_psm and l2_cid are little-endian. */
struct sockaddr_l2 {
        sa_family_t l2_family;
        uint16_t l2_psm;
        bdaddr_t l2_bdaddr;
        uint16_t l2_cid;
        uint8_t l2_bdaddr_type;
};

struct sockaddr_rc {
        sa_family_t rc_family;
        bdaddr_t rc_bdaddr;
        uint8_t rc_channel;
};

struct sockaddr_sco {
        sa_family_t sco_family;
        bdaddr_t sco_bdaddr;
};

static_assert(sizeof(bdaddr_t) == 6, "bdaddr_t ABI");
static_assert(sizeof(struct sockaddr_hci) == 6, "sockaddr_hci ABI");
static_assert(offsetof(struct sockaddr_hci, hci_dev) == 2, "sockaddr_hci ABI");
static_assert(offsetof(struct sockaddr_hci, hci_channel) == 4, "sockaddr_hci ABI");
static_assert(sizeof(struct sockaddr_l2) == 14, "sockaddr_l2 ABI");
static_assert(offsetof(struct sockaddr_l2, l2_psm) == 2, "sockaddr_l2 ABI");
static_assert(offsetof(struct sockaddr_l2, l2_bdaddr) == 4, "sockaddr_l2 ABI");
static_assert(offsetof(struct sockaddr_l2, l2_cid) == 10, "sockaddr_l2 ABI");
static_assert(offsetof(struct sockaddr_l2, l2_bdaddr_type) == 12, "sockaddr_l2 ABI");
static_assert(sizeof(struct sockaddr_rc) == 10, "sockaddr_rc ABI");
static_assert(offsetof(struct sockaddr_rc, rc_bdaddr) == 2, "sockaddr_rc ABI");
static_assert(offsetof(struct sockaddr_rc, rc_channel) == 8, "sockaddr_rc ABI");
static_assert(sizeof(struct sockaddr_sco) == 8, "sockaddr_sco ABI");
static_assert(offsetof(struct sockaddr_sco, sco_bdaddr) == 2, "sockaddr_sco ABI");

/* HCI socket options (include/net/bluetooth/hci_sock.h), level SOL_HCI. */
#define SOL_HCI                 0
#define HCI_FILTER              2

/* HCI packet types, the first byte of every packet on a raw channel. */
#define HCI_COMMAND_PKT         0x01
#define HCI_EVENT_PKT           0x04

/* Events the broker itself waits for. */
#define HCI_EV_CMD_COMPLETE     0x0e
#define HCI_EV_CMD_STATUS       0x0f

/* Which packet types and events a raw HCI socket receives. The kernel
 * tests an event by its code & HCI_FLT_EVENT_BITS. */
#define HCI_FLT_EVENT_BITS      63

struct hci_filter {
        uint32_t type_mask;
        uint32_t event_mask[2];
        uint16_t opcode;
};

/* HCIGETDEVINFO's result; only dev_id, name and bdaddr are read. */
struct hci_dev_info {
        uint16_t dev_id;
        char name[8];
        bdaddr_t bdaddr;
        uint32_t flags;
        uint8_t type;
        uint8_t features[8];
        uint32_t pkt_type;
        uint32_t link_policy;
        uint32_t link_mode;
        uint16_t acl_mtu;
        uint16_t acl_pkts;
        uint16_t sco_mtu;
        uint16_t sco_pkts;
        uint32_t stat[10];
};

#define HCIGETDEVINFO           _IOR('H', 211, int)

static_assert(sizeof(struct hci_filter) == 16, "hci_filter ABI");
static_assert(sizeof(struct hci_dev_info) == 92, "hci_dev_info ABI");
static_assert(offsetof(struct hci_dev_info, bdaddr) == 10, "hci_dev_info ABI");
