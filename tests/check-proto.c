/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-proto.c - wire request/reply validation (proto/protocol.c).
 *
 * Each case starts from one valid request and breaks it in exactly one
 * way, so a passing case shows that this one defect alone is refused.
 */
#include "config.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/protocol.h"
#include "tests/check-suites.h"

enum mutation {
        MUT_NONE,
        MUT_NO_VERSION,
        MUT_VERSION_2,
        MUT_NO_OP,
        MUT_NO_FAMILY,
        MUT_NEGATIVE_FAMILY,
        MUT_HUGE_FAMILY,
        MUT_TYPE_WITH_FLAGS,
        MUT_ZERO_TYPE,
        MUT_PROTOCOL_RANGE,
        MUT_NEGATIVE_PROTOCOL,
        MUT_UNKNOWN_FLAGS,
        MUT_LONG_IFNAME,
        MUT_SLASH_IFNAME,
        MUT_EMPTY_IFNAME,
        MUT_DOTDOT_IFNAME,
        MUT_SPACE_IFNAME,
        MUT_INET_ON_PACKET,
        MUT_PACKET_ETHERTYPE_RANGE,
        MUT_ADDRESS_NO_KIND,
        MUT_INET_SHORT_ADDRESS,
        MUT_INET_PORT_RANGE,
        MUT_INET6_V4_ADDRESS,
        MUT_CAN_PGN_RANGE,
        MUT_CAN_ADDR_RANGE,
        MUT_BT_SHORT_BDADDR,
        MUT_BT_PSM_RANGE,
        MUT_BIND_OP,
        MUT_BIND_NO_ADDRESS,
        MUT_BIND_INET_NO_PORT,
        MUT_BIND_INET_3_BYTES,
        MUT_BIND_INET_IFNAME,
        MUT_BIND_SCOPE_ON_V4,
        MUT_BIND_PACKET,
        MUT_BIND_L2CAP,
        MUT_BIND_L2CAP_NO_PSM,
        MUT_BIND_L2CAP_EMPTY_BDADDR,
        MUT_BIND_L2CAP_SHORT_BDADDR,
        MUT_BIND_L2CAP_DEV,
        MUT_SETOPT_MARK,
        MUT_SETOPT_LEVEL,
        MUT_SETOPT_NO_NAME,
        MUT_SETOPT_UNKNOWN,
        MUT_SETOPT_NEGATIVE,
        MUT_SETOPT_MARK_RANGE,
        MUT_SETOPT_PRIORITY_RANGE,
        MUT_SETOPT_NO_VALUE,
        MUT_SETOPT_DEVICE,
        MUT_SETOPT_DEVICE_NO_IFNAME,
        MUT_SETOPT_DEVICE_VALUE,
        MUT_SETOPT_MARK_IFNAME,
        MUT_NUL_IFNAME,
        MUT_LINK_NUL_IFNAME,
        MUT_STATUS_OP,
        MUT_STATUS_LIST,
        MUT_STATUS_OFFSET,
        MUT_STATUS_OFFSET_RANGE,
        MUT_STATUS_AFTER,
        MUT_STATUS_LIST_OFFSET,
        MUT_STATUS_LIST_AFTER,
        MUT_NONBLOCK_FLAG,
        MUT_LINK_UP,
        MUT_LINK_BITRATE,
        MUT_LINK_BOTH,
        MUT_LINK_NEITHER,
        MUT_LINK_NO_IFNAME,
        MUT_LINK_BITRATE_ZERO,
        MUT_HCI,
        MUT_HCI_NO_DEV,
        MUT_HCI_DEV_NONE,
        MUT_HCI_OPCODE_ZERO,
        MUT_HCI_OPCODE_RANGE,
        MUT_HCI_PARAMS_LONG,
        MUT_BT_DEV_NONE,
};

static const struct proto_case {
        const char *name;
        enum mutation mutation;
        size_t n_fds;
        int expect;
        const char *why;          /* a word the reason must contain */
} proto_cases[] = {
        { "valid open", MUT_NONE, 0, 0, NULL },
        { "valid nonblocking open", MUT_NONBLOCK_FLAG, 0, 0, NULL },
        { "open with a descriptor", MUT_NONE, 1, -EBADF, "descriptor" },
        { "open with two descriptors", MUT_NONE, 2, -EBADF, "descriptor" },
        { "no version", MUT_NO_VERSION, 0, -EBADMSG, "version" },
        { "version 2", MUT_VERSION_2, 0, -EPROTONOSUPPORT, "version 2" },
        { "no operation", MUT_NO_OP, 0, -EOPNOTSUPP, "operation" },
        { "no family", MUT_NO_FAMILY, 0, -EBADMSG, "family" },
        { "negative family", MUT_NEGATIVE_FAMILY, 0, -EBADMSG, "family" },
        { "family out of range", MUT_HUGE_FAMILY, 0, -EBADMSG, "family" },
        { "type with SOCK_NONBLOCK", MUT_TYPE_WITH_FLAGS, 0, -EBADMSG, "type" },
        { "type 0", MUT_ZERO_TYPE, 0, -EBADMSG, "type" },
        { "protocol 0x10000", MUT_PROTOCOL_RANGE, 0, -EBADMSG, "protocol" },
        { "protocol -1", MUT_NEGATIVE_PROTOCOL, 0, -EBADMSG, "protocol" },
        { "unknown flags", MUT_UNKNOWN_FLAGS, 0, -EBADMSG, "flags" },
        { "interface name of 16 bytes", MUT_LONG_IFNAME, 0, -EBADMSG, "interface" },
        { "interface name with a slash", MUT_SLASH_IFNAME, 0, -EBADMSG, "interface" },
        { "empty interface name", MUT_EMPTY_IFNAME, 0, -EBADMSG, "interface" },
        { "interface name ..", MUT_DOTDOT_IFNAME, 0, -EBADMSG, "interface" },
        { "interface name with a space", MUT_SPACE_IFNAME, 0, -EBADMSG, "interface" },
        { "inet address on a packet socket", MUT_INET_ON_PACKET, 0, -EBADMSG, "match" },
        { "EtherType 0x10000", MUT_PACKET_ETHERTYPE_RANGE, 0, -EBADMSG, "EtherType" },
        { "address without a kind", MUT_ADDRESS_NO_KIND, 0, -EBADMSG, "kind" },
        { "IPv4 address of 3 bytes", MUT_INET_SHORT_ADDRESS, 0, -EBADMSG, "bytes" },
        { "port 65536", MUT_INET_PORT_RANGE, 0, -EBADMSG, "port" },
        { "IPv4 address for inet6", MUT_INET6_V4_ADDRESS, 0, -EBADMSG, "bytes" },
        { "J1939 PGN 0x40001", MUT_CAN_PGN_RANGE, 0, -EBADMSG, "PGN" },
        { "J1939 address 256", MUT_CAN_ADDR_RANGE, 0, -EBADMSG, "address" },
        { "bdaddr of 5 bytes", MUT_BT_SHORT_BDADDR, 0, -EBADMSG, "bdaddr" },
        { "PSM 0x10000", MUT_BT_PSM_RANGE, 0, -EBADMSG, "PSM" },
        { "bind with its socket", MUT_BIND_OP, 1, 0, NULL },
        { "bind without a socket", MUT_BIND_OP, 0, -EBADF, "descriptor" },
        { "bind with two sockets", MUT_BIND_OP, 2, -EBADF, "descriptor" },
        { "bind without an address", MUT_BIND_NO_ADDRESS, 1, -EINVAL, "address is required" },
        { "bind to an inet address without a port", MUT_BIND_INET_NO_PORT, 1, -EINVAL, "port" },
        { "bind to an inet address of 3 bytes", MUT_BIND_INET_3_BYTES, 1, -EINVAL, "4 or 16" },
        { "bind to an inet address with an interface", MUT_BIND_INET_IFNAME, 1, -EINVAL, "bindtodevice" },
        { "bind with a scope id on IPv4", MUT_BIND_SCOPE_ON_V4, 1, -EINVAL, "scope" },
        { "bind to a packet address", MUT_BIND_PACKET, 1, -EAFNOSUPPORT, "L2CAP" },
        { "bind to an L2CAP PSM", MUT_BIND_L2CAP, 1, 0, NULL },
        { "bind to L2CAP without a PSM", MUT_BIND_L2CAP_NO_PSM, 1, -EINVAL, "PSM" },
        { "bind to L2CAP with an empty bdaddr", MUT_BIND_L2CAP_EMPTY_BDADDR, 1, -EINVAL, "bdaddr is 0 bytes" },
        { "bind to L2CAP with a bdaddr of 5 bytes", MUT_BIND_L2CAP_SHORT_BDADDR, 1, -EINVAL, "bdaddr is 5 bytes" },
        { "bind to L2CAP with a device", MUT_BIND_L2CAP_DEV, 1, -EINVAL, "PSM only" },
        { "set-option mark", MUT_SETOPT_MARK, 1, 0, NULL },
        { "set-option mark without a socket", MUT_SETOPT_MARK, 0, -EBADF, "descriptor" },
        { "set-option at SOL_IP", MUT_SETOPT_LEVEL, 1, -EOPNOTSUPP, "SOL_SOCKET" },
        { "set-option without a name", MUT_SETOPT_NO_NAME, 1, -EOPNOTSUPP, "SOL_SOCKET" },
        { "set-option SO_DEBUG", MUT_SETOPT_UNKNOWN, 1, -EOPNOTSUPP, "not brokered" },
        { "set-option mark -1", MUT_SETOPT_NEGATIVE, 1, -EINVAL, "range" },
        { "set-option mark 2^32", MUT_SETOPT_MARK_RANGE, 1, -EINVAL, "range" },
        { "set-option priority 2^31", MUT_SETOPT_PRIORITY_RANGE, 1, -EINVAL, "range" },
        { "set-option mark without a value", MUT_SETOPT_NO_VALUE, 1, -EINVAL, "range" },
        { "set-option bindtodevice", MUT_SETOPT_DEVICE, 1, 0, NULL },
        { "set-option bindtodevice without a name", MUT_SETOPT_DEVICE_NO_IFNAME, 1, -EINVAL, "interface" },
        { "set-option bindtodevice with a value", MUT_SETOPT_DEVICE_VALUE, 1, -EINVAL, "not a value" },
        { "set-option mark with a name", MUT_SETOPT_MARK_IFNAME, 1, -EINVAL, "not an interface" },
        { "interface name with a NUL byte", MUT_NUL_IFNAME, 0, -EINVAL, "NUL" },
        { "link interface name with a NUL byte", MUT_LINK_NUL_IFNAME, 0, -EINVAL, "NUL" },
        { "status", MUT_STATUS_OP, 0, 0, NULL },
        { "status with a descriptor", MUT_STATUS_OP, 1, -EBADF, "descriptor" },
        { "list", MUT_STATUS_LIST, 0, 0, NULL },
        { "status from file 3", MUT_STATUS_OFFSET, 0, 0, NULL },
        { "status from file 257", MUT_STATUS_OFFSET_RANGE, 0, -EBADMSG, "offset" },
        { "status with a list cursor", MUT_STATUS_AFTER, 0, -EBADMSG, "after" },
        { "list with a file offset", MUT_STATUS_LIST_OFFSET, 0, -EBADMSG, "offset" },
        { "list after grant 12", MUT_STATUS_LIST_AFTER, 0, 0, NULL },
        { "link up", MUT_LINK_UP, 0, 0, NULL },
        { "link up with a descriptor", MUT_LINK_UP, 1, -EBADF, "descriptor" },
        { "link up with two descriptors", MUT_LINK_UP, 2, -EBADF, "descriptor" },
        { "link bitrate", MUT_LINK_BITRATE, 0, 0, NULL },
        { "link up and bitrate", MUT_LINK_BOTH, 0, -EBADMSG, "exactly one" },
        { "link with neither", MUT_LINK_NEITHER, 0, -EBADMSG, "exactly one" },
        { "link without an interface", MUT_LINK_NO_IFNAME, 0, -EBADMSG, "interface" },
        { "link bitrate 0", MUT_LINK_BITRATE_ZERO, 0, -EBADMSG, "bitrate" },
        { "hci command", MUT_HCI, 0, 0, NULL },
        { "hci command with a descriptor", MUT_HCI, 1, -EBADF, "descriptor" },
        { "hci command without dev", MUT_HCI_NO_DEV, 0, -EBADMSG, "required" },
        { "hci command to device 0xffff", MUT_HCI_DEV_NONE, 0, -EBADMSG, "device" },
        { "hci opcode 0", MUT_HCI_OPCODE_ZERO, 0, -EBADMSG, "opcode" },
        { "hci opcode 0x10000", MUT_HCI_OPCODE_RANGE, 0, -EBADMSG, "opcode" },
        { "hci command, 256 parameter bytes", MUT_HCI_PARAMS_LONG, 0, -EBADMSG, "parameter" },
        { "bluetooth open on device 0xffff", MUT_BT_DEV_NONE, 0, -EBADMSG, "device" },
};

/* An interface name whose third byte becomes a NUL once encoded. */
#define NUL_MARK "lo\001x"

static int build_and_decode(enum mutation m, size_t n_fds, char *why, size_t why_size)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__Open open = SOCKBROKER__OPEN__INIT;
        Sockbroker__Bind bind = SOCKBROKER__BIND__INIT;
        Sockbroker__Status status = SOCKBROKER__STATUS__INIT;
        Sockbroker__LinkConfig link = SOCKBROKER__LINK_CONFIG__INIT;
        Sockbroker__HciCommand hci = SOCKBROKER__HCI_COMMAND__INIT;
        Sockbroker__SetOption setopt = SOCKBROKER__SET_OPTION__INIT;
        uint8_t params[256] = { 1, 0 };
        char link_ifname[16] = "vcan0";
        Sockbroker__Address addr = SOCKBROKER__ADDRESS__INIT;
        Sockbroker__PacketAddress packet = SOCKBROKER__PACKET_ADDRESS__INIT;
        Sockbroker__InetAddress inet = SOCKBROKER__INET_ADDRESS__INIT;
        Sockbroker__CanAddress can = SOCKBROKER__CAN_ADDRESS__INIT;
        Sockbroker__BluetoothAddress bt = SOCKBROKER__BLUETOOTH_ADDRESS__INIT;
        uint8_t ip[16] = { 127, 0, 0, 1 }, bd[6] = { 1, 2, 3, 4, 5, 6 };
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char ifname[32] = "eth0";
        SbRequest *out = NULL;
        int len, r;

        req.has_version = true;
        req.version = SB_PROTO_VERSION;
        req.has_id = true;
        req.id = 7;
        req.op_case = SOCKBROKER__REQUEST__OP_OPEN;
        req.open = &open;
        open.has_family = open.has_type = open.has_protocol = true;
        open.family = AF_PACKET;
        open.type = SOCK_RAW;
        open.protocol = ETH_P_ALL;
        open.address = &addr;
        addr.kind_case = SOCKBROKER__ADDRESS__KIND_PACKET;
        addr.packet = &packet;
        packet.ifname = ifname;

        switch (m) {
        case MUT_NONE:
                break;
        case MUT_NONBLOCK_FLAG:
                open.has_flags = true;
                open.flags = SOCKBROKER__OPEN_FLAGS__OPEN_FLAG_NONBLOCK;
                break;
        case MUT_NO_VERSION:
                req.has_version = false;
                break;
        case MUT_VERSION_2:
                req.version = 2;
                break;
        case MUT_NO_OP:
                req.op_case = SOCKBROKER__REQUEST__OP__NOT_SET;
                req.open = NULL;
                break;
        case MUT_NO_FAMILY:
                open.has_family = false;
                break;
        case MUT_NEGATIVE_FAMILY:
                open.family = -1;
                break;
        case MUT_HUGE_FAMILY:
                open.family = 4096;
                break;
        case MUT_TYPE_WITH_FLAGS:
                open.type = SOCK_RAW | SOCK_NONBLOCK;
                break;
        case MUT_ZERO_TYPE:
                open.type = 0;
                break;
        case MUT_PROTOCOL_RANGE:
                open.protocol = 0x10000;
                break;
        case MUT_NEGATIVE_PROTOCOL:
                open.protocol = -1;
                break;
        case MUT_UNKNOWN_FLAGS:
                open.has_flags = true;
                open.flags = 0x80;
                break;
        case MUT_LONG_IFNAME:
                strcpy(ifname, "abcdefghijklmnop");
                break;
        case MUT_SLASH_IFNAME:
                strcpy(ifname, "eth/0");
                break;
        case MUT_EMPTY_IFNAME:
                ifname[0] = 0;
                break;
        case MUT_DOTDOT_IFNAME:
                strcpy(ifname, "..");
                break;
        case MUT_SPACE_IFNAME:
                strcpy(ifname, "eth 0");
                break;
        case MUT_INET_ON_PACKET:
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                addr.inet = &inet;
                break;
        case MUT_PACKET_ETHERTYPE_RANGE:
                packet.has_protocol = true;
                packet.protocol = 0x10000;
                break;
        case MUT_ADDRESS_NO_KIND:
                addr.kind_case = SOCKBROKER__ADDRESS__KIND__NOT_SET;
                break;
        case MUT_INET_SHORT_ADDRESS:
        case MUT_INET_PORT_RANGE:
        case MUT_INET6_V4_ADDRESS:
                open.family = m == MUT_INET6_V4_ADDRESS ? AF_INET6 : AF_INET;
                open.protocol = 1;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                addr.inet = &inet;
                inet.has_address = true;
                inet.address.data = ip;
                inet.address.len = m == MUT_INET_SHORT_ADDRESS ? 3 : 4;
                if (m == MUT_INET_PORT_RANGE) {
                        inet.has_port = true;
                        inet.port = 65536;
                }
                break;
        case MUT_CAN_PGN_RANGE:
        case MUT_CAN_ADDR_RANGE:
                open.family = AF_CAN;
                open.protocol = 7;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_CAN;
                addr.can = &can;
                can.has_pgn = m == MUT_CAN_PGN_RANGE;
                can.pgn = 0x40001;
                can.has_addr = m == MUT_CAN_ADDR_RANGE;
                can.addr = 256;
                break;
        case MUT_BT_SHORT_BDADDR:
        case MUT_BT_PSM_RANGE:
                open.family = AF_BLUETOOTH;
                open.protocol = 0;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_BLUETOOTH;
                addr.bluetooth = &bt;
                bt.has_bdaddr = true;
                bt.bdaddr.data = bd;
                bt.bdaddr.len = m == MUT_BT_SHORT_BDADDR ? 5 : 6;
                bt.has_psm = m == MUT_BT_PSM_RANGE;
                bt.psm = 0x10000;
                break;
        case MUT_BIND_OP:
        case MUT_BIND_INET_NO_PORT:
        case MUT_BIND_INET_3_BYTES:
        case MUT_BIND_INET_IFNAME:
        case MUT_BIND_SCOPE_ON_V4:
                req.op_case = SOCKBROKER__REQUEST__OP_BIND;
                req.bind = &bind;
                bind.address = &addr;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_INET;
                addr.inet = &inet;
                inet.has_port = m != MUT_BIND_INET_NO_PORT;
                inet.port = 80;
                inet.has_address = true;
                inet.address.data = ip;
                inet.address.len = m == MUT_BIND_INET_3_BYTES ? 3 : 4;
                inet.ifname = m == MUT_BIND_INET_IFNAME ? ifname : NULL;
                inet.has_scope_id = m == MUT_BIND_SCOPE_ON_V4;
                break;
        case MUT_BIND_NO_ADDRESS:
                req.op_case = SOCKBROKER__REQUEST__OP_BIND;
                req.bind = &bind;
                break;
        case MUT_BIND_PACKET:
                req.op_case = SOCKBROKER__REQUEST__OP_BIND;
                req.bind = &bind;
                bind.address = &addr;
                break;
        case MUT_BIND_L2CAP:
        case MUT_BIND_L2CAP_NO_PSM:
        case MUT_BIND_L2CAP_EMPTY_BDADDR:
        case MUT_BIND_L2CAP_SHORT_BDADDR:
        case MUT_BIND_L2CAP_DEV:
                req.op_case = SOCKBROKER__REQUEST__OP_BIND;
                req.bind = &bind;
                bind.address = &addr;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_BLUETOOTH;
                addr.bluetooth = &bt;
                bt.has_psm = m != MUT_BIND_L2CAP_NO_PSM;
                bt.psm = 0x1001;
                bt.has_bdaddr = true;
                bt.bdaddr.data = m == MUT_BIND_L2CAP_EMPTY_BDADDR ? NULL : bd;
                bt.bdaddr.len = m == MUT_BIND_L2CAP_EMPTY_BDADDR ? 0 :
                                m == MUT_BIND_L2CAP_SHORT_BDADDR ? 5 : 6;
                bt.has_dev = m == MUT_BIND_L2CAP_DEV;
                break;
        case MUT_SETOPT_MARK:
        case MUT_SETOPT_LEVEL:
        case MUT_SETOPT_NO_NAME:
        case MUT_SETOPT_UNKNOWN:
        case MUT_SETOPT_NEGATIVE:
        case MUT_SETOPT_MARK_RANGE:
        case MUT_SETOPT_PRIORITY_RANGE:
        case MUT_SETOPT_NO_VALUE:
        case MUT_SETOPT_MARK_IFNAME:
                req.op_case = SOCKBROKER__REQUEST__OP_SET_OPTION;
                req.set_option = &setopt;
                setopt.has_level = setopt.has_name = setopt.has_value = true;
                setopt.level = m == MUT_SETOPT_LEVEL ? IPPROTO_IP : SOL_SOCKET;
                setopt.has_name = m != MUT_SETOPT_NO_NAME;
                setopt.name = m == MUT_SETOPT_UNKNOWN ? SO_DEBUG :
                              m == MUT_SETOPT_PRIORITY_RANGE ? SO_PRIORITY : SO_MARK;
                setopt.value = m == MUT_SETOPT_NEGATIVE ? -1 :
                               m == MUT_SETOPT_MARK_RANGE ? INT64_C(1) << 32 :
                               m == MUT_SETOPT_PRIORITY_RANGE ? INT64_C(1) << 31 : 7;
                setopt.has_value = m != MUT_SETOPT_NO_VALUE;
                setopt.ifname = m == MUT_SETOPT_MARK_IFNAME ? ifname : NULL;
                break;
        case MUT_SETOPT_DEVICE:
        case MUT_SETOPT_DEVICE_NO_IFNAME:
        case MUT_SETOPT_DEVICE_VALUE:
                req.op_case = SOCKBROKER__REQUEST__OP_SET_OPTION;
                req.set_option = &setopt;
                setopt.has_level = setopt.has_name = true;
                setopt.level = SOL_SOCKET;
                setopt.name = SO_BINDTODEVICE;
                setopt.ifname = m == MUT_SETOPT_DEVICE_NO_IFNAME ? NULL : ifname;
                setopt.has_value = m == MUT_SETOPT_DEVICE_VALUE;
                break;
        case MUT_NUL_IFNAME:
                /* The encoder stops at a NUL; the byte goes in below. */
                strcpy(ifname, NUL_MARK);
                break;
        case MUT_STATUS_OP:
        case MUT_STATUS_LIST:
        case MUT_STATUS_OFFSET:
        case MUT_STATUS_OFFSET_RANGE:
        case MUT_STATUS_AFTER:
        case MUT_STATUS_LIST_OFFSET:
        case MUT_STATUS_LIST_AFTER:
                req.op_case = SOCKBROKER__REQUEST__OP_STATUS;
                req.status = &status;
                status.has_list = m == MUT_STATUS_LIST || m == MUT_STATUS_LIST_OFFSET ||
                                  m == MUT_STATUS_LIST_AFTER;
                status.list = status.has_list;
                status.has_offset = m == MUT_STATUS_OFFSET || m == MUT_STATUS_OFFSET_RANGE ||
                                    m == MUT_STATUS_LIST_OFFSET;
                status.offset = m == MUT_STATUS_OFFSET_RANGE ? 257 : 3;
                status.has_after = m == MUT_STATUS_AFTER || m == MUT_STATUS_LIST_AFTER;
                status.after = 12;
                break;
        case MUT_LINK_NUL_IFNAME:
                req.op_case = SOCKBROKER__REQUEST__OP_LINK_CONFIG;
                req.link_config = &link;
                strcpy(link_ifname, NUL_MARK);
                link.ifname = link_ifname;
                link.has_up = link.up = true;
                break;
        case MUT_LINK_UP:
        case MUT_LINK_BITRATE:
        case MUT_LINK_BOTH:
        case MUT_LINK_NEITHER:
        case MUT_LINK_NO_IFNAME:
        case MUT_LINK_BITRATE_ZERO:
                req.op_case = SOCKBROKER__REQUEST__OP_LINK_CONFIG;
                req.link_config = &link;
                link.ifname = m == MUT_LINK_NO_IFNAME ? NULL : link_ifname;
                link.has_up = m == MUT_LINK_UP || m == MUT_LINK_BOTH || m == MUT_LINK_NO_IFNAME;
                link.up = true;
                link.has_bitrate = m == MUT_LINK_BITRATE || m == MUT_LINK_BOTH ||
                                   m == MUT_LINK_BITRATE_ZERO;
                link.bitrate = m == MUT_LINK_BITRATE_ZERO ? 0 : 500000;
                break;
        case MUT_HCI:
        case MUT_HCI_NO_DEV:
        case MUT_HCI_DEV_NONE:
        case MUT_HCI_OPCODE_ZERO:
        case MUT_HCI_OPCODE_RANGE:
        case MUT_HCI_PARAMS_LONG:
                req.op_case = SOCKBROKER__REQUEST__OP_HCI_COMMAND;
                req.hci_command = &hci;
                hci.has_dev = m != MUT_HCI_NO_DEV;
                hci.dev = m == MUT_HCI_DEV_NONE ? 0xffff : 0;
                hci.has_opcode = true;
                hci.opcode = m == MUT_HCI_OPCODE_ZERO ? 0 : m == MUT_HCI_OPCODE_RANGE ? 0x10000 : 0x200c;
                hci.has_params = true;
                hci.params.data = params;
                hci.params.len = m == MUT_HCI_PARAMS_LONG ? 256 : 2;
                break;
        case MUT_BT_DEV_NONE:
                open.family = AF_BLUETOOTH;
                open.protocol = 1;
                addr.kind_case = SOCKBROKER__ADDRESS__KIND_BLUETOOTH;
                addr.bluetooth = &bt;
                bt.has_dev = true;
                bt.dev = 0xffff;
                break;
        }

        len = sb_proto_request_encode(&req, buf, sizeof(buf));
        ck_assert_int_gt(len, 0);
        if (m == MUT_NUL_IFNAME || m == MUT_LINK_NUL_IFNAME) {
                uint8_t *mark = memmem(buf, (size_t)len, NUL_MARK, strlen(NUL_MARK));

                ck_assert_ptr_nonnull(mark);
                mark[2] = 0;
        }
        why[0] = 0;
        r = sb_proto_request_decode(buf, (size_t)len, n_fds, &out, why, why_size);
        if (r == 0) {
                ck_assert_ptr_nonnull(out);
                ck_assert_uint_eq(out->id, 7);
                sb_proto_request_free(out);
        }
        return r;
}

START_TEST(test_request_table)
{
        const struct proto_case *c = &proto_cases[_i];
        char why[SB_PROTO_MAX_REASON];
        int r;

        r = build_and_decode(c->mutation, c->n_fds, why, sizeof(why));
        ck_assert_msg(r == c->expect, "%s: got %d (%s), expected %d", c->name, r, why, c->expect);
        if (c->why)
                ck_assert_msg(strstr(why, c->why), "%s: reason '%s' lacks '%s'", c->name, why, c->why);
}
END_TEST

static const struct raw_case {
        const char *name;
        const char *bytes;
        size_t len;
        int expect;
} raw_cases[] = {
        { "empty", "", 0, -EBADMSG },
        { "one zero byte", "\0", 1, -EBADMSG },
        { "truncated varint", "\x08\xff", 2, -EBADMSG },
        { "wrong wire type", "\x0d\x01\x00\x00\x00", 5, -EBADMSG },
        { "length beyond end", "\x52\x7f\x01", 3, -EBADMSG },
        { "text", "GET / HTTP/1.0\r\n", 16, -EBADMSG },
        { "version only", "\x08\x01", 2, -EOPNOTSUPP },
        { "unknown field only", "\xf8\x01\x01", 3, -EBADMSG },
};

START_TEST(test_raw_table)
{
        const struct raw_case *c = &raw_cases[_i];
        char why[SB_PROTO_MAX_REASON] = "";
        SbRequest *out = NULL;
        int r;

        r = sb_proto_request_decode(c->bytes, c->len, 0, &out, why, sizeof(why));
        ck_assert_msg(r == c->expect, "%s: got %d (%s), expected %d", c->name, r, why, c->expect);
        ck_assert_msg(r < 0 ? why[0] != 0 : 1, "%s: no reason given", c->name);
        sb_proto_request_free(out);
}
END_TEST

START_TEST(test_oversize)
{
        static uint8_t big[SB_PROTO_MAX_MESSAGE + 1];
        char why[SB_PROTO_MAX_REASON];
        SbRequest *out = NULL;

        ck_assert_int_eq(sb_proto_request_decode(big, sizeof(big), 0, &out, why, sizeof(why)), -EMSGSIZE);
        ck_assert_ptr_null(out);
        ck_assert_ptr_nonnull(strstr(why, "4096"));
}
END_TEST

START_TEST(test_every_truncation)
{
        SbRequest req = SOCKBROKER__REQUEST__INIT;
        Sockbroker__Open open = SOCKBROKER__OPEN__INIT;
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        int len;

        req.has_version = req.has_id = true;
        req.version = SB_PROTO_VERSION;
        req.id = 1;
        req.op_case = SOCKBROKER__REQUEST__OP_OPEN;
        req.open = &open;
        open.has_family = open.has_type = open.has_protocol = true;
        open.family = AF_INET;
        open.type = SOCK_RAW;
        open.protocol = 1;
        len = sb_proto_request_encode(&req, buf, sizeof(buf));
        ck_assert_int_gt(len, 0);

        /* No prefix of a valid request may decode into something else
         * than either an error or a request that validates. */
        for (int i = 0; i < len; i++) {
                char why[SB_PROTO_MAX_REASON];
                SbRequest *out = NULL;
                int r = sb_proto_request_decode(buf, (size_t)i, 0, &out, why, sizeof(why));

                if (r == 0) {
                        ck_assert_int_eq(out->version, SB_PROTO_VERSION);
                        sb_proto_request_free(out);
                } else {
                        ck_assert_ptr_null(out);
                }
        }
}
END_TEST

START_TEST(test_reply_round_trip)
{
        SbReply reply = SOCKBROKER__REPLY__INIT, *out = NULL;
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char why[SB_PROTO_MAX_REASON];
        char msg[] = "granted packet/raw/all@eth0", rule[] = "/etc/sockbroker/policy.conf:3";
        int len;

        reply.has_version = reply.has_id = reply.has_error = reply.has_n_fds = true;
        reply.version = SB_PROTO_VERSION;
        reply.id = 42;
        reply.error = 0;
        reply.n_fds = 1;
        reply.message = msg;
        reply.rule = rule;
        len = sb_proto_reply_encode(&reply, buf, sizeof(buf));
        ck_assert_int_gt(len, 0);

        ck_assert_int_eq(sb_proto_reply_decode(buf, (size_t)len, 0, &out, why, sizeof(why)), -EBADF);
        ck_assert_int_eq(sb_proto_reply_decode(buf, (size_t)len, 1, &out, why, sizeof(why)), 0);
        ck_assert_uint_eq(out->id, 42);
        ck_assert_str_eq(out->message, msg);
        ck_assert_str_eq(out->rule, rule);
        sb_proto_reply_free(out);

        reply.error = -1;
        reply.n_fds = 0;
        len = sb_proto_reply_encode(&reply, buf, sizeof(buf));
        ck_assert_int_eq(sb_proto_reply_decode(buf, (size_t)len, 0, &out, why, sizeof(why)), -EBADMSG);
}
END_TEST

START_TEST(test_encode_too_large)
{
        static char huge[SB_PROTO_MAX_MESSAGE + 10];
        SbReply reply = SOCKBROKER__REPLY__INIT;
        uint8_t buf[SB_PROTO_MAX_MESSAGE];

        memset(huge, 'x', sizeof(huge) - 1);
        reply.has_version = true;
        reply.version = SB_PROTO_VERSION;
        reply.message = huge;
        ck_assert_int_eq(sb_proto_reply_encode(&reply, buf, sizeof(buf)), -EMSGSIZE);
}
END_TEST

enum reply_mutation {
        RMUT_STATUS,
        RMUT_STATUS_PAGE_2,
        RMUT_GRANTS,
        RMUT_GRANTS_EMPTY,
        RMUT_BOTH,
        RMUT_STATUS_ERROR,
        RMUT_STATUS_FD,
        RMUT_TOO_MANY_FILES,
        RMUT_FILES_BEYOND,
        RMUT_OFFSET_BEYOND,
        RMUT_LONG_FILE,
        RMUT_LONG_VERSION,
        RMUT_CAPACITY,
        RMUT_HELD_OVER_CAPACITY,
        RMUT_HELD_OVER_NEWEST,
        RMUT_PAGE_OVER_HELD,
        RMUT_SERIALS_DESCENDING,
        RMUT_SERIAL_OVER_NEWEST,
        RMUT_NO_SERIAL,
        RMUT_LONG_WHAT,
        RMUT_LONG_CGROUP,
        RMUT_BAD_STATE,
};

static const struct reply_case {
        const char *name;
        enum reply_mutation mutation;
        int expect;
        const char *why;
} reply_cases[] = {
        { "status", RMUT_STATUS, 0, NULL },
        { "status, second page", RMUT_STATUS_PAGE_2, 0, NULL },
        { "grants", RMUT_GRANTS, 0, NULL },
        { "no grants yet", RMUT_GRANTS_EMPTY, 0, NULL },
        { "status and grants", RMUT_BOTH, -EBADMSG, "both" },
        { "status with an error", RMUT_STATUS_ERROR, -EBADMSG, "error" },
        { "status with a descriptor", RMUT_STATUS_FD, -EBADMSG, "descriptor" },
        { "257 policy files", RMUT_TOO_MANY_FILES, -EBADMSG, "257" },
        { "more files than in all", RMUT_FILES_BEYOND, -EBADMSG, "in all" },
        { "offset beyond the files", RMUT_OFFSET_BEYOND, -EBADMSG, "in all" },
        { "file name of 513 bytes", RMUT_LONG_FILE, -EBADMSG, "512" },
        { "version of 65 bytes", RMUT_LONG_VERSION, -EBADMSG, "64" },
        { "capacity 65537", RMUT_CAPACITY, -EBADMSG, "65536" },
        { "more held than capacity", RMUT_HELD_OVER_CAPACITY, -EBADMSG, "held" },
        { "more held than ever granted", RMUT_HELD_OVER_NEWEST, -EBADMSG, "held" },
        { "a page larger than what is held", RMUT_PAGE_OVER_HELD, -EBADMSG, "page" },
        { "serials descending", RMUT_SERIALS_DESCENDING, -EBADMSG, "order" },
        { "serial beyond the newest", RMUT_SERIAL_OVER_NEWEST, -EBADMSG, "order" },
        { "grant without a serial", RMUT_NO_SERIAL, -EBADMSG, "order" },
        { "request text of 513 bytes", RMUT_LONG_WHAT, -EBADMSG, "512" },
        { "cgroup of 513 bytes", RMUT_LONG_CGROUP, -EBADMSG, "512" },
        { "peer state 7", RMUT_BAD_STATE, -EBADMSG, "state" },
};

START_TEST(test_status_reply_table)
{
        const struct reply_case *c = &reply_cases[_i];
        SbReply reply = SOCKBROKER__REPLY__INIT, *out = NULL;
        Sockbroker__StatusReply st = SOCKBROKER__STATUS_REPLY__INIT;
        Sockbroker__GrantPage page = SOCKBROKER__GRANT_PAGE__INIT;
        Sockbroker__Grant g[2] = { SOCKBROKER__GRANT__INIT, SOCKBROKER__GRANT__INIT };
        Sockbroker__Grant *gp[2] = { &g[0], &g[1] };
        static char long_text[SB_STATUS_MAX_STRING + 2];
        char version[] = "1.2.3", file1[] = "/etc/sockbroker/policy.conf";
        char file2[] = "/etc/sockbroker/policy.d/a.conf", what[] = "packet/raw/all@eth0";
        char rule[] = "/etc/sockbroker/policy.conf:3", *files[2] = { file1, file2 };
        uint8_t buf[SB_PROTO_MAX_MESSAGE];
        char why[SB_PROTO_MAX_REASON] = "";
        size_t n_fds = 0;
        int len, r;

        memset(long_text, 'x', SB_STATUS_MAX_STRING + 1);
        reply.has_version = reply.has_id = reply.has_error = true;
        reply.version = SB_PROTO_VERSION;
        reply.id = 3;

        st.version = version;
        st.has_files_total = st.has_offset = true;
        st.files_total = 2;
        st.files = files;
        st.n_files = 2;

        page.has_capacity = page.has_held = page.has_newest = true;
        page.capacity = 1024;
        page.held = 10;
        page.newest = 10;
        page.grants = gp;
        page.n_grants = 2;
        for (int i = 0; i < 2; i++) {
                g[i].has_serial = g[i].has_state = true;
                g[i].serial = 9 + (uint64_t)i;
                g[i].state = SOCKBROKER__PEER_STATE__PEER_STATE_RUNNING;
                g[i].what = what;
                g[i].rule = rule;
        }

        switch (c->mutation) {
        case RMUT_STATUS:
        case RMUT_STATUS_ERROR:
        case RMUT_STATUS_FD:
        case RMUT_TOO_MANY_FILES:
        case RMUT_FILES_BEYOND:
        case RMUT_OFFSET_BEYOND:
        case RMUT_LONG_FILE:
        case RMUT_LONG_VERSION:
        case RMUT_STATUS_PAGE_2:
                reply.status = &st;
                break;
        case RMUT_BOTH:
                reply.status = &st;
                reply.grants = &page;
                break;
        case RMUT_GRANTS:
        case RMUT_GRANTS_EMPTY:
        case RMUT_CAPACITY:
        case RMUT_HELD_OVER_CAPACITY:
        case RMUT_HELD_OVER_NEWEST:
        case RMUT_PAGE_OVER_HELD:
        case RMUT_SERIALS_DESCENDING:
        case RMUT_SERIAL_OVER_NEWEST:
        case RMUT_NO_SERIAL:
        case RMUT_LONG_WHAT:
        case RMUT_LONG_CGROUP:
        case RMUT_BAD_STATE:
                reply.grants = &page;
                break;
        }

        switch (c->mutation) {
        case RMUT_STATUS:
        case RMUT_GRANTS:
        case RMUT_BOTH:
                break;
        case RMUT_STATUS_PAGE_2:
                st.files_total = 3;
                st.offset = 1;
                break;
        case RMUT_GRANTS_EMPTY:
                page.held = page.newest = 0;
                page.n_grants = 0;
                break;
        case RMUT_STATUS_ERROR:
                reply.error = EPERM;
                break;
        case RMUT_STATUS_FD:
                reply.has_n_fds = true;
                reply.n_fds = 1;
                n_fds = 1;
                break;
        case RMUT_TOO_MANY_FILES:
                st.files_total = SB_STATUS_MAX_FILES + 1;
                break;
        case RMUT_FILES_BEYOND:
                st.files_total = 1;
                break;
        case RMUT_OFFSET_BEYOND:
                st.offset = 1;
                break;
        case RMUT_LONG_FILE:
                files[1] = long_text;
                break;
        case RMUT_LONG_VERSION:
                long_text[SB_STATUS_MAX_VERSION + 1] = 0;
                st.version = long_text;
                break;
        case RMUT_CAPACITY:
                page.capacity = SB_STATUS_MAX_GRANTS + 1;
                break;
        case RMUT_HELD_OVER_CAPACITY:
                page.capacity = 8;
                page.held = 9;
                break;
        case RMUT_HELD_OVER_NEWEST:
                page.held = 11;
                break;
        case RMUT_PAGE_OVER_HELD:
                page.held = 1;
                g[0].serial = 10;
                page.n_grants = 2;
                break;
        case RMUT_SERIALS_DESCENDING:
                g[0].serial = 10;
                g[1].serial = 9;
                break;
        case RMUT_SERIAL_OVER_NEWEST:
                g[1].serial = 11;
                break;
        case RMUT_NO_SERIAL:
                g[0].has_serial = false;
                break;
        case RMUT_LONG_WHAT:
                g[1].what = long_text;
                break;
        case RMUT_LONG_CGROUP:
                g[0].cgroup = long_text;
                break;
        case RMUT_BAD_STATE:
                g[1].state = 7;
                break;
        }

        len = sb_proto_reply_encode(&reply, buf, sizeof(buf));
        ck_assert_int_gt(len, 0);
        r = sb_proto_reply_decode(buf, (size_t)len, n_fds, &out, why, sizeof(why));
        ck_assert_msg(r == c->expect, "%s: got %d (%s), expected %d", c->name, r, why, c->expect);
        if (c->why)
                ck_assert_msg(strstr(why, c->why), "%s: reason '%s' lacks '%s'", c->name, why, c->why);
        if (r == 0)
                ck_assert(out->status || out->grants);
        sb_proto_reply_free(out);
}
END_TEST

static const struct ifname_case {
        const char *name;
        int valid;
} ifname_cases[] = {
        { "eth0", 1 }, { "veth-a0", 1 }, { "vcan0", 1 }, { "a", 1 },
        { "abcdefghijklmno", 1 }, { "abcdefghijklmnop", 0 }, { "", 0 },
        { ".", 0 }, { "..", 0 }, { "a/b", 0 }, { "a:b", 0 }, { "a b", 0 },
        { "a\tb", 0 }, { "a\x7f", 0 }, { "wlp0s20f3", 1 }, { "br-lan.10", 1 },
};

START_TEST(test_ifname_table)
{
        ck_assert_int_eq(sb_proto_ifname_valid(ifname_cases[_i].name), ifname_cases[_i].valid);
}
END_TEST

Suite *make_proto_suite(void)
{
        Suite *s = suite_create("proto");
        TCase *tc = tcase_create("request");

        tcase_add_loop_test(tc, test_request_table, 0, (int)(sizeof(proto_cases) / sizeof(proto_cases[0])));
        tcase_add_loop_test(tc, test_raw_table, 0, (int)(sizeof(raw_cases) / sizeof(raw_cases[0])));
        tcase_add_test(tc, test_oversize);
        tcase_add_test(tc, test_every_truncation);
        suite_add_tcase(s, tc);

        tc = tcase_create("reply");
        tcase_add_test(tc, test_reply_round_trip);
        tcase_add_test(tc, test_encode_too_large);
        tcase_add_loop_test(tc, test_status_reply_table, 0,
                            (int)(sizeof(reply_cases) / sizeof(reply_cases[0])));
        suite_add_tcase(s, tc);

        tc = tcase_create("ifname");
        tcase_add_loop_test(tc, test_ifname_table, 0, (int)(sizeof(ifname_cases) / sizeof(ifname_cases[0])));
        suite_add_tcase(s, tc);
        return s;
}
