/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-addr.c - tests for client-lib/socket/addr.c, socket addresses as text.
 *
 * Both directions are table-driven: parse_cases go text -> sockaddr ->
 * text and check the canonical spelling; format_cases go from hand-built
 * structs (the layout the kernel hands out) -> text -> sockaddr and
 * compare bytes. Randomized round trips then check the promise in
 * sockbroker/addr.h for addresses and texts nobody thought of: whatever
 * one side accepts, the other takes back unchanged.
 *
 * Interface lookups are real: "lo" must exist, and "nosuchif0" must not.
 * No CAN or Bluetooth device is needed; only the ifindex of an AF_CAN
 * address is looked up, and Bluetooth addresses are never resolved.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/can.h>
#include <linux/can/j1939.h>
#include <linux/if_alg.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/qrtr.h>
#include <linux/tipc.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/bt.h"
#include "common/util.h"
#include "sockbroker/addr.h"
#include "sockbroker/netinfo.h"
#include "sockbroker/socket.h"
#include "tests/check-suites.h"

/* Byte order in static initializers, where htons() is not constant. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define BE16(x) ((uint16_t)__builtin_bswap16(x))
#  define BE32(x) ((uint32_t)__builtin_bswap32(x))
#  define LE16(x) ((uint16_t)(x))
#else
#  define BE16(x) ((uint16_t)(x))
#  define BE32(x) ((uint32_t)(x))
#  define LE16(x) ((uint16_t)__builtin_bswap16(x))
#endif

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)
#define SLL_OFF offsetof(struct sockaddr_ll, sll_addr)

#define X10 "xxxxxxxxxx"
#define X100 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define S107 X100 "xxxxxxx"                     /* longest AF_UNIX name */
#define S63 X10 X10 X10 X10 X10 X10 "xxx"       /* longest AF_ALG name */
#define X1E "\\x01\\x01\\x01\\x01\\x01"            /* five escaped bytes */

union sa_any {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        struct sockaddr_un un;
        struct sockaddr_can can;
        struct sockaddr_ll ll;
        struct sockaddr_l2 l2;
        struct sockaddr_rc rc;
        struct sockaddr_sco sco;
        struct sockaddr_hci hci;
        struct sockaddr_nl nl;
        struct sockaddr_vm vm;
        struct sockaddr_tipc tipc;
        struct sockaddr_alg alg;
        struct sockaddr_qrtr qrtr;
        struct sockaddr_storage ss;
};

static unsigned lo_index(void)
{
        unsigned idx = if_nametoindex("lo");

        ck_assert_msg(idx > 0, "these tests need the loopback interface \"lo\"");
        return idx;
}

/* ---- text -> address -> text ------------------------------------------- */

struct parse_case {
        int family;
        int protocol;
        const char *text;
        int error;              /* 0 for success */
        const char *canonical;  /* what format writes back; NULL: text itself */
};

#define OK(f, p, t)             { f, p, t, 0, NULL }
#define CANON(f, p, t, c)       { f, p, t, 0, c }
#define BAD(f, p, t, e)         { f, p, t, e, NULL }

static const struct parse_case parse_cases[] = {
        /* AF_INET */
        OK(AF_INET, 0, "127.0.0.1:80"),
        OK(AF_INET, 0, "0.0.0.0:0"),
        OK(AF_INET, 0, "1.2.3.4:1"),
        OK(AF_INET, 0, "255.255.255.255:65535"),
        OK(AF_INET, IPPROTO_UDP, "192.0.2.1:53"),
        CANON(AF_INET, 0, ":80", "0.0.0.0:80"),
        CANON(AF_INET, 0, ":0", "0.0.0.0:0"),
        CANON(AF_INET, 0, "<broadcast>:9", "255.255.255.255:9"),
        CANON(AF_INET, 0, "192.0.2.1:0x50", "192.0.2.1:80"),
        CANON(AF_INET, 0, "10.0.0.1:0xFFFF", "10.0.0.1:65535"),
        CANON(AF_INET, 0, "10.0.0.1:0x0000000000000001", "10.0.0.1:1"),
        BAD(AF_INET, 0, "", EINVAL),
        BAD(AF_INET, 0, ":", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:65536", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:0x10000", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:-1", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:+1", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1: 80", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:80 ", EINVAL),
        BAD(AF_INET, 0, " 127.0.0.1:80", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:080", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:0x", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:80:80", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:80,1", EINVAL),
        BAD(AF_INET, 0, "127.0.0.1:99999999999999999999999", EINVAL),
        BAD(AF_INET, 0, "1.2.3:80", EINVAL),
        BAD(AF_INET, 0, "1.2.3.4.5:80", EINVAL),
        BAD(AF_INET, 0, "256.1.1.1:80", EINVAL),
        BAD(AF_INET, 0, "01.2.3.4:80", EINVAL),
        BAD(AF_INET, 0, "0x7f000001:80", EINVAL),
        BAD(AF_INET, 0, "127.0.0.0001:80", EINVAL),
        BAD(AF_INET, 0, "localhost:80", EINVAL),
        BAD(AF_INET, 0, "<Broadcast>:80", EINVAL),
        BAD(AF_INET, 0, "'':80", EINVAL),
        BAD(AF_INET, 0, "[127.0.0.1]:80", EINVAL),
        BAD(AF_INET, 0, "::1:80", EINVAL),

        /* AF_INET6 */
        OK(AF_INET6, 0, "[::1]:22"),
        OK(AF_INET6, 0, "[::]:0"),
        OK(AF_INET6, 0, "[2001:db8::1]:443"),
        OK(AF_INET6, 0, "[::ffff:192.0.2.1]:80"),
        OK(AF_INET6, 0, "[fe80::1%lo]:22"),
        OK(AF_INET6, 0, "[fe80::1%4000000000]:22"),
        OK(AF_INET6, 0, "[::1%4294967295]:1"),
        OK(AF_INET6, 0, "[::1]:65535,0xfffff"),
        OK(AF_INET6, 0, "[fe80::1%lo]:1,0x12345"),
        CANON(AF_INET6, 0, "[2001:DB8:0:0:0:0:0:1]:443", "[2001:db8::1]:443"),
        CANON(AF_INET6, 0, "[fe80::1%0]:22", "[fe80::1]:22"),
        CANON(AF_INET6, 0, "[::1]:80,0", "[::1]:80"),
        CANON(AF_INET6, 0, "[::1]:80,1", "[::1]:80,0x1"),
        CANON(AF_INET6, 0, "[::1]:80,0x00012", "[::1]:80,0x12"),
        CANON(AF_INET6, 0, "[::1]:80,1048575", "[::1]:80,0xfffff"),
        BAD(AF_INET6, 0, "", EINVAL),
        BAD(AF_INET6, 0, "::1:22", EINVAL),
        BAD(AF_INET6, 0, "::1", EINVAL),
        BAD(AF_INET6, 0, "[::1]", EINVAL),
        BAD(AF_INET6, 0, "[::1]:", EINVAL),
        BAD(AF_INET6, 0, "[::1]22", EINVAL),
        BAD(AF_INET6, 0, "[::1:22", EINVAL),
        BAD(AF_INET6, 0, "::1]:22", EINVAL),
        BAD(AF_INET6, 0, "[::1] :22", EINVAL),
        BAD(AF_INET6, 0, "[::1]:22 ", EINVAL),
        BAD(AF_INET6, 0, "[::1]:65536", EINVAL),
        BAD(AF_INET6, 0, "[::1]:80,0x100000", EINVAL),
        BAD(AF_INET6, 0, "[::1]:80,", EINVAL),
        BAD(AF_INET6, 0, "[::1]:80,1,2", EINVAL),
        BAD(AF_INET6, 0, "[::1]:80,-1", EINVAL),
        BAD(AF_INET6, 0, "[]:80", EINVAL),
        BAD(AF_INET6, 0, "[::1%]:80", EINVAL),
        BAD(AF_INET6, 0, "[%lo]:80", EINVAL),
        BAD(AF_INET6, 0, "[fe80::1%nosuchif0]:80", ENODEV),
        BAD(AF_INET6, 0, "[fe80::1%4294967296]:80", EINVAL),
        BAD(AF_INET6, 0, "[fe80::1%01]:80", EINVAL),
        BAD(AF_INET6, 0, "[fe80::1%sixteencharsname]:80", EINVAL),
        BAD(AF_INET6, 0, "[fe80::1%a/b]:80", EINVAL),
        BAD(AF_INET6, 0, "[fe80::1%any]:80", EINVAL),
        BAD(AF_INET6, 0, "[1.2.3.4]:80", EINVAL),
        BAD(AF_INET6, 0, "[::1::2]:80", EINVAL),
        BAD(AF_INET6, 0, "[::g]:80", EINVAL),
        BAD(AF_INET6, 0, "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255x]:80", EINVAL),

        /* AF_UNIX */
        OK(AF_UNIX, 0, "/run/sockbroker.sock"),
        OK(AF_UNIX, 0, "relative"),
        OK(AF_UNIX, 0, "a"),
        OK(AF_UNIX, 0, "./@foo"),
        OK(AF_UNIX, 0, "/" X100 "xxxxxx"),
        OK(AF_UNIX, 0, "@abstract"),
        OK(AF_UNIX, 0, "@"),
        OK(AF_UNIX, 0, "@@"),
        CANON(AF_UNIX, 0, "@with space,and:separators\n", "@with space,and:separators\\x0a"),
        OK(AF_UNIX, 0, "@" S107),
        /* The AF_UNIX escapes: "\\", "\@" and "\xHH", nothing else. */
        OK(AF_UNIX, 0, "\\@foo"),
        OK(AF_UNIX, 0, "\\@"),
        OK(AF_UNIX, 0, "a\\\\b"),
        OK(AF_UNIX, 0, "@a\\x00b"),
        OK(AF_UNIX, 0, "@\\x00"),
        OK(AF_UNIX, 0, "@\\xff\\x7f\\x1b"),
        OK(AF_UNIX, 0, "/tmp/\\xc3\\xa9t\\xc3\\xa9"),
        OK(AF_UNIX, 0, "@\\\\@"),
        CANON(AF_UNIX, 0, "\\x40foo", "\\@foo"),
        CANON(AF_UNIX, 0, "a\\@b", "a@b"),
        CANON(AF_UNIX, 0, "@\\x41\\x5C", "@A\\\\"),
        CANON(AF_UNIX, 0, "@\\@", "@@"),
        OK(AF_UNIX, 0, "@" X100 "xxxxxx\\x01"),
        /* Autobind is "", and is not "@", the abstract name of no bytes. */
        OK(AF_UNIX, 0, ""),
        BAD(AF_UNIX, 0, "\\", EINVAL),
        BAD(AF_UNIX, 0, "a\\", EINVAL),
        BAD(AF_UNIX, 0, "a\\b", EINVAL),
        BAD(AF_UNIX, 0, "a\\x4", EINVAL),
        BAD(AF_UNIX, 0, "a\\xg0", EINVAL),
        BAD(AF_UNIX, 0, "a\\x00b", EINVAL),
        BAD(AF_UNIX, 0, "\\x00", EINVAL),
        BAD(AF_UNIX, 0, "@" X100 "xxxxxx\\x00\\x00", EINVAL),
        BAD(AF_UNIX, 0, "/" S107, EINVAL),
        BAD(AF_UNIX, 0, "@" S107 "x", EINVAL),

        /* AF_CAN, CAN_RAW and CAN_BCM */
        OK(AF_CAN, CAN_RAW, "lo"),
        OK(AF_CAN, CAN_RAW, "any"),
        OK(AF_CAN, CAN_RAW, "4000000"),
        OK(AF_CAN, CAN_BCM, "lo"),
        CANON(AF_CAN, CAN_RAW, "", "any"),
        CANON(AF_CAN, CAN_RAW, "0", "any"),
        CANON(AF_CAN, CAN_BCM, "", "any"),
        BAD(AF_CAN, CAN_RAW, "nosuchif0", ENODEV),
        BAD(AF_CAN, CAN_RAW, "vcan0", ENODEV),
        BAD(AF_CAN, CAN_RAW, "lo,1", EINVAL),
        BAD(AF_CAN, CAN_RAW, ",", EINVAL),
        BAD(AF_CAN, CAN_RAW, "lo ", EINVAL),
        BAD(AF_CAN, CAN_RAW, ".", EINVAL),
        BAD(AF_CAN, CAN_RAW, "a/b", EINVAL),
        BAD(AF_CAN, CAN_RAW, "01", EINVAL),
        BAD(AF_CAN, CAN_RAW, "2147483648", EINVAL),
        BAD(AF_CAN, CAN_RAW, "sixteencharsname", EINVAL),
        BAD(AF_CAN, 0, "lo", EPROTONOSUPPORT),
        BAD(AF_CAN, CAN_TP16, "lo", EPROTONOSUPPORT),
        BAD(AF_CAN, 1000, "lo", EPROTONOSUPPORT),

        /* AF_CAN, CAN_ISOTP */
        OK(AF_CAN, CAN_ISOTP, "lo,0x123,0x321"),
        OK(AF_CAN, CAN_ISOTP, "any,0x7ff,0x0"),
        OK(AF_CAN, CAN_ISOTP, "lo,0x800,0x1fffffff"),
        OK(AF_CAN, CAN_ISOTP, "lo,0x80000123,0x7ff"),
        OK(AF_CAN, CAN_ISOTP, "lo,0x80000000,0x1"),
        CANON(AF_CAN, CAN_ISOTP, "lo,291,801", "lo,0x123,0x321"),
        CANON(AF_CAN, CAN_ISOTP, "lo,0x80000800,1", "lo,0x800,0x1"),
        CANON(AF_CAN, CAN_ISOTP, "lo,0x9fffffff,0x7FF", "lo,0x1fffffff,0x7ff"),
        CANON(AF_CAN, CAN_ISOTP, ",0,0", "any,0x0,0x0"),
        BAD(AF_CAN, CAN_ISOTP, "lo", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,0x123", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,0x123,0x321,1", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,0x20000000,1", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,0x40000001,1", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,0xa0000000,1", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,0x100000000,1", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,,1", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,0x123,", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,-1,1", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "lo,0x1,0x2 ", EINVAL),
        BAD(AF_CAN, CAN_ISOTP, "nosuchif0,1,2", ENODEV),

        /* AF_CAN, CAN_J1939 */
        OK(AF_CAN, CAN_J1939, "lo,-,-,-"),
        OK(AF_CAN, CAN_J1939, "lo,0x1122334455667788,0x3ffff,0x80"),
        OK(AF_CAN, CAN_J1939, "any,0xffffffffffffffff,0xef00,0x0"),
        CANON(AF_CAN, CAN_J1939, "lo,0,0,0", "lo,-,0x0,0x0"),
        CANON(AF_CAN, CAN_J1939, "lo,1,-,254", "lo,0x1,-,0xfe"),
        CANON(AF_CAN, CAN_J1939, ",-,61184,255", "any,-,0xef00,-"),
        BAD(AF_CAN, CAN_J1939, "lo,-,-", EINVAL),
        BAD(AF_CAN, CAN_J1939, "lo,-,-,-,-", EINVAL),
        /* J1939_NO_PGN and J1939_NO_ADDR as numbers, the old spec spelling, are "-". */
        CANON(AF_CAN, CAN_J1939, "lo,0,0x40000,0xff", "lo,-,-,-"),
        BAD(AF_CAN, CAN_J1939, "lo,-,0x40001,-", EINVAL),
        BAD(AF_CAN, CAN_J1939, "lo,-,0x3ffff0,-", EINVAL),
        BAD(AF_CAN, CAN_J1939, "lo,-,-,256", EINVAL),
        BAD(AF_CAN, CAN_J1939, "lo,0x10000000000000000,-,-", EINVAL),
        BAD(AF_CAN, CAN_J1939, "lo,--,-,-", EINVAL),
        BAD(AF_CAN, CAN_J1939, "lo,-,-, 1", EINVAL),
        BAD(AF_CAN, CAN_J1939, "lo,,,", EINVAL),
        BAD(AF_CAN, CAN_J1939, "nosuchif0,-,-,-", ENODEV),

        /* AF_PACKET */
        OK(AF_PACKET, 0, "lo,0x0800"),
        OK(AF_PACKET, 0, "any,0x88cc"),
        OK(AF_PACKET, 0, "lo,0x0800,broadcast"),
        OK(AF_PACKET, 0, "lo,0x0800,outgoing,1"),
        OK(AF_PACKET, 0, "lo,0x0800,host,1,02:00:5e:10:00:01"),
        OK(AF_PACKET, 0, "lo,0xffff,kernel,65535,00:11:22:33:44:55:66:77"),
        OK(AF_PACKET, 0, "4000000,0x0003"),
        CANON(AF_PACKET, 0, "lo,ip", "lo,0x0800"),
        CANON(AF_PACKET, 0, "lo,all", "lo,0x0003"),
        CANON(AF_PACKET, 0, "lo,ipv6,host", "lo,0x86dd"),
        CANON(AF_PACKET, 0, ",0x0", "any"),
        CANON(AF_PACKET, 0, "lo,0x0800,3", "lo,0x0800,otherhost"),
        /* EtherTypes are names or 0x hex: "1588" is PTP's name, no decimal is a number. */
        CANON(AF_PACKET, 0, "lo,1588", "lo,0x88f7"),
        CANON(AF_PACKET, 0, "lo,ptp", "lo,0x88f7"),
        CANON(AF_PACKET, 0, "lo,0x0634", "lo,0x0634"),
        BAD(AF_PACKET, 0, "lo,2048", EINVAL),
        BAD(AF_PACKET, 0, "lo,0", EINVAL),
        BAD(AF_PACKET, 0, "lo,34997", EINVAL),
        BAD(AF_PACKET, 0, "lo,01588", EINVAL),
        /* Without PROTO, 0: bind(2) keeps the socket's protocol. */
        OK(AF_PACKET, 0, "lo"),
        OK(AF_PACKET, 0, "any"),
        CANON(AF_PACKET, 0, "", "any"),
        CANON(AF_PACKET, 0, "lo,0x0000", "lo"),
        OK(AF_PACKET, 0, "lo,0x0000,broadcast"),
        CANON(AF_PACKET, 0, "lo,0x0800,255", "lo,0x0800,255"),
        CANON(AF_PACKET, 0, "lo,0x0800,host,0", "lo,0x0800"),
        CANON(AF_PACKET, 0, "lo,0x0800,host,0,AA:BB", "lo,0x0800,host,0,aa:bb"),
        BAD(AF_PACKET, 0, "lo,", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x10000", EINVAL),
        BAD(AF_PACKET, 0, "lo,nosuchproto", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,nosuchtype", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,256", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,65536", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,1,", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,1,00:11:22:33:44:55:66:77:88", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,1,0:1", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,1,00-11", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,1,00:11:", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,1,001122", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,1,aa:bb,x", EINVAL),
        BAD(AF_PACKET, 0, "lo,0x0800,host,1,zz", EINVAL),
        BAD(AF_PACKET, 0, "nosuchif0,0x0800", ENODEV),

        /* AF_BLUETOOTH, BTPROTO_L2CAP */
        /* PSMs and CIDs are written in hex, as a spec writes its PSM. */
        OK(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,0x0001"),
        OK(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,0x0000,0x0004"),
        OK(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,0x0000,0x0004,le-public"),
        OK(AF_BLUETOOTH, BTPROTO_L2CAP, "C0:FF:EE:00:00:01,0x0000,0x0000,le-random"),
        CANON(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,0,4", "00:11:22:33:44:55,0x0000,0x0004"),
        CANON(AF_BLUETOOTH, BTPROTO_L2CAP, "aa:bb:cc:dd:ee:ff,4097", "AA:BB:CC:DD:EE:FF,0x1001"),
        CANON(AF_BLUETOOTH, BTPROTO_L2CAP, "any,0", "00:00:00:00:00:00,0x0000"),
        CANON(AF_BLUETOOTH, BTPROTO_L2CAP, "local,65535", "00:00:00:FF:FF:FF,0xffff"),
        CANON(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,0,0,bredr", "00:11:22:33:44:55,0x0000"),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,65536", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,1,65536", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:5,1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44,1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55:66,1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:gg,1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00-11-22-33-44-55,1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,1,2,public", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,1,2,1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,1,2,le-random,x", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_L2CAP, "BDADDR_ANY,1", EINVAL),
        BAD(AF_BLUETOOTH, 4, "00:11:22:33:44:55", EPROTONOSUPPORT),
        BAD(AF_BLUETOOTH, -1, "00:11:22:33:44:55", EPROTONOSUPPORT),

        /* AF_BLUETOOTH, BTPROTO_RFCOMM */
        OK(AF_BLUETOOTH, BTPROTO_RFCOMM, "00:11:22:33:44:55,1"),
        OK(AF_BLUETOOTH, BTPROTO_RFCOMM, "00:11:22:33:44:55,30"),
        CANON(AF_BLUETOOTH, BTPROTO_RFCOMM, "any,0", "00:00:00:00:00:00,0"),
        BAD(AF_BLUETOOTH, BTPROTO_RFCOMM, "00:11:22:33:44:55,31", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_RFCOMM, "00:11:22:33:44:55", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_RFCOMM, "00:11:22:33:44:55,1,2", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_RFCOMM, "00:11:22:33:44:55,-1", EINVAL),

        /* AF_BLUETOOTH, BTPROTO_SCO */
        OK(AF_BLUETOOTH, BTPROTO_SCO, "01:23:45:67:89:AB"),
        CANON(AF_BLUETOOTH, BTPROTO_SCO, "01:23:45:67:89:ab", "01:23:45:67:89:AB"),
        CANON(AF_BLUETOOTH, BTPROTO_SCO, "local", "00:00:00:FF:FF:FF"),
        BAD(AF_BLUETOOTH, BTPROTO_SCO, "", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_SCO, "01:23:45:67:89:ab,1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_SCO, "01:23:45:67:89:ab ", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_SCO, "0123456789ab", EINVAL),

        /* AF_BLUETOOTH, BTPROTO_HCI */
        OK(AF_BLUETOOTH, BTPROTO_HCI, "hci0"),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "hci65534"),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "hci1,user"),
        /* Channels without a controller are written alone, as a spec writes them. */
        OK(AF_BLUETOOTH, BTPROTO_HCI, "monitor"),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "control"),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "logging"),
        CANON(AF_BLUETOOTH, BTPROTO_HCI, "none,monitor", "monitor"),
        CANON(AF_BLUETOOTH, BTPROTO_HCI, "none,control", "control"),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "none"),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "none,user"),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "hci0,monitor"),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "user", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "monitor,raw", EINVAL),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "hci0,logging"),
        OK(AF_BLUETOOTH, BTPROTO_HCI, "hci0,5"),
        CANON(AF_BLUETOOTH, BTPROTO_HCI, "0", "hci0"),
        CANON(AF_BLUETOOTH, BTPROTO_HCI, "0x10", "hci16"),
        CANON(AF_BLUETOOTH, BTPROTO_HCI, "1,1", "hci1,user"),
        CANON(AF_BLUETOOTH, BTPROTO_HCI, "65535,2", "monitor"),
        CANON(AF_BLUETOOTH, BTPROTO_HCI, "hci0,raw", "hci0"),
        CANON(AF_BLUETOOTH, BTPROTO_HCI, "hci0,0xffff", "hci0,65535"),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "HCI0", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci-1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci0x1", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci01", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci65536", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci0,", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci0,nosuch", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci0,65536", EINVAL),
        BAD(AF_BLUETOOTH, BTPROTO_HCI, "hci0,raw,1", EINVAL),

        /* AF_NETLINK */
        OK(AF_NETLINK, NETLINK_ROUTE, "1234,0x1"),
        OK(AF_NETLINK, 0, "4294967295,0xffffffff"),
        CANON(AF_NETLINK, 0, "0,0", "0,0x0"),
        CANON(AF_NETLINK, 0, "0x10,5", "16,0x5"),
        BAD(AF_NETLINK, 0, "", EINVAL),
        BAD(AF_NETLINK, 0, "0", EINVAL),
        BAD(AF_NETLINK, 0, "0,0,0", EINVAL),
        BAD(AF_NETLINK, 0, "-1,0", EINVAL),
        BAD(AF_NETLINK, 0, "4294967296,0", EINVAL),
        BAD(AF_NETLINK, 0, "0,0x100000000", EINVAL),
        BAD(AF_NETLINK, 0, ",0", EINVAL),
        BAD(AF_NETLINK, 0, "0,", EINVAL),

        /* AF_VSOCK */
        OK(AF_VSOCK, 0, "any:any"),
        OK(AF_VSOCK, 0, "hypervisor:0"),
        OK(AF_VSOCK, 0, "local:1"),
        OK(AF_VSOCK, 0, "3:80"),
        OK(AF_VSOCK, 0, "4294967294:4294967294"),
        OK(AF_VSOCK, 0, "host:1234,0x1"),
        CANON(AF_VSOCK, 0, "2:1024", "host:1024"),
        CANON(AF_VSOCK, 0, "4294967295:4294967295", "any:any"),
        CANON(AF_VSOCK, 0, "host:1234,0", "host:1234"),
        CANON(AF_VSOCK, 0, "0x10:0x10", "16:16"),
        BAD(AF_VSOCK, 0, "", EINVAL),
        BAD(AF_VSOCK, 0, "2", EINVAL),
        BAD(AF_VSOCK, 0, "2:", EINVAL),
        BAD(AF_VSOCK, 0, ":1", EINVAL),
        BAD(AF_VSOCK, 0, "2:1:1", EINVAL),
        BAD(AF_VSOCK, 0, "nosuch:1", EINVAL),
        BAD(AF_VSOCK, 0, "2:none", EINVAL),
        BAD(AF_VSOCK, 0, "2:1,256", EINVAL),
        BAD(AF_VSOCK, 0, "2:1,1,1", EINVAL),
        BAD(AF_VSOCK, 0, "4294967296:1", EINVAL),

        /* AF_TIPC */
        OK(AF_TIPC, 0, "nameseq:1000,1,10"),
        OK(AF_TIPC, 0, "nameseq:1000,1,10,cluster"),
        OK(AF_TIPC, 0, "nameseq:4294967295,4294967295,4294967295,node"),
        OK(AF_TIPC, 0, "nameseq:1,2,3,-1"),
        OK(AF_TIPC, 0, "nameseq:1,2,3,-128"),
        OK(AF_TIPC, 0, "nameseq:1,2,3,127"),
        OK(AF_TIPC, 0, "name:1000,5,0x1001001,zone"),
        OK(AF_TIPC, 0, "id:0x1001001,12345"),
        CANON(AF_TIPC, 0, "nameseq:1000,1,10,2", "nameseq:1000,1,10,cluster"),
        CANON(AF_TIPC, 0, "nameseq:0,0,0,0", "nameseq:0,0,0"),
        CANON(AF_TIPC, 0, "nameseq:1,2,3,-0", "nameseq:1,2,3"),
        CANON(AF_TIPC, 0, "name:1000,5,0", "name:1000,5,0x0"),
        CANON(AF_TIPC, 0, "id:1,2,node", "id:0x1,2,node"),
        BAD(AF_TIPC, 0, "", EINVAL),
        BAD(AF_TIPC, 0, "1,2,3", EINVAL),
        BAD(AF_TIPC, 0, "foo:1,2,3", EINVAL),
        BAD(AF_TIPC, 0, "NAMESEQ:1,2,3", EINVAL),
        BAD(AF_TIPC, 0, "nameseq:1,2", EINVAL),
        BAD(AF_TIPC, 0, "nameseq:1,2,3,4,5", EINVAL),
        BAD(AF_TIPC, 0, "nameseq:1,2,3,", EINVAL),
        BAD(AF_TIPC, 0, "nameseq:1,2,3,128", EINVAL),
        BAD(AF_TIPC, 0, "nameseq:1,2,3,-129", EINVAL),
        BAD(AF_TIPC, 0, "nameseq:1,2,3,--1", EINVAL),
        BAD(AF_TIPC, 0, "nameseq:1,2,3,planet", EINVAL),
        BAD(AF_TIPC, 0, "name:1,2", EINVAL),
        BAD(AF_TIPC, 0, "id:1", EINVAL),
        BAD(AF_TIPC, 0, "id:1,2,3,4", EINVAL),
        BAD(AF_TIPC, 0, "id:1,4294967296", EINVAL),

        /* AF_ALG */
        OK(AF_ALG, 0, "hash,sha256"),
        OK(AF_ALG, 0, "skcipher,cbc(aes)"),
        OK(AF_ALG, 0, "aead,authenc(hmac(sha256),cbc(aes))"),
        OK(AF_ALG, 0, "hash,hmac(sha256),0x1"),
        OK(AF_ALG, 0, "hash,sha1,0x0,0xffffffff"),
        OK(AF_ALG, 0, "abcdefghijklm," S63),
        CANON(AF_ALG, 0, "rng,drbg_nopr_ctr_aes256,0,0", "rng,drbg_nopr_ctr_aes256"),
        CANON(AF_ALG, 0, "hash,sha256,16,0", "hash,sha256,0x10"),
        BAD(AF_ALG, 0, "", EINVAL),
        BAD(AF_ALG, 0, "hash", EINVAL),
        BAD(AF_ALG, 0, "hash,", EINVAL),
        BAD(AF_ALG, 0, ",sha256", EINVAL),
        BAD(AF_ALG, 0, "hash,sha256,", EINVAL),
        BAD(AF_ALG, 0, "hash,sha256,1,2,3", EINVAL),
        BAD(AF_ALG, 0, "hash,sha256,0x100000000", EINVAL),
        BAD(AF_ALG, 0, "abcdefghijklmn,sha256", EINVAL),
        BAD(AF_ALG, 0, "hash," S63 "x", EINVAL),
        BAD(AF_ALG, 0, "hash,hmac(sha256", EINVAL),
        BAD(AF_ALG, 0, "hash,hmac)sha256(", EINVAL),
        BAD(AF_ALG, 0, "hash,sha 256", EINVAL),
        BAD(AF_ALG, 0, "ha(sh),sha256", EINVAL),
        BAD(AF_ALG, 0, "hash,sha256,(1)", EINVAL),

        /* AF_QIPCRTR */
        OK(AF_QIPCRTR, 0, "1:2"),
        OK(AF_QIPCRTR, 0, "0:0"),
        OK(AF_QIPCRTR, 0, "4294967295:4294967294"),
        CANON(AF_QIPCRTR, 0, "0x1:0x2", "1:2"),
        BAD(AF_QIPCRTR, 0, "", EINVAL),
        BAD(AF_QIPCRTR, 0, "1", EINVAL),
        BAD(AF_QIPCRTR, 0, "1:", EINVAL),
        BAD(AF_QIPCRTR, 0, ":1", EINVAL),
        BAD(AF_QIPCRTR, 0, "1:2:3", EINVAL),
        BAD(AF_QIPCRTR, 0, "1:4294967296", EINVAL),
        BAD(AF_QIPCRTR, 0, "-1:1", EINVAL),

        /* Families without a text form */
        BAD(AF_UNSPEC, 0, "x", EAFNOSUPPORT),
        BAD(AF_APPLETALK, 0, "1.2", EAFNOSUPPORT),
        BAD(-1, 0, "", EAFNOSUPPORT),
        BAD(AF_MAX, 0, "x", EAFNOSUPPORT),
};

/* Formats into an exactly sized buffer after checking every smaller size
 * fails with ENOSPC and leaves an empty string. */
static void check_format_sizes(const struct sockaddr *sa, socklen_t len, int protocol,
                               const char *expected)
{
        size_t needed = strlen(expected) + 1;
        char buf[SB_ADDR_STRLEN_MAX + 1];

        ck_assert_uint_lt(strlen(expected), SB_ADDR_STRLEN_MAX);

        errno = 0;
        ck_assert_int_eq(sb_addr_format(sa, len, protocol, NULL, 0), -1);
        ck_assert_int_eq(errno, ENOSPC);

        for (size_t n = 0; n < needed; n++) {
                memset(buf, 'Z', sizeof(buf));
                errno = 0;
                ck_assert_int_eq(sb_addr_format(sa, len, protocol, buf, n), -1);
                ck_assert_int_eq(errno, ENOSPC);
                if (n > 0)
                        ck_assert_int_eq(buf[0], '\0');
                /* Never a byte beyond the given size. */
                for (size_t i = n; i < sizeof(buf); i++)
                        if (buf[i] != 'Z')
                                ck_abort_msg("\"%s\": byte %zu written with size %zu", expected, i, n);
        }

        memset(buf, 'Z', sizeof(buf));
        ck_assert_int_eq(sb_addr_format(sa, len, protocol, buf, needed), 0);
        ck_assert_str_eq(buf, expected);
        ck_assert_int_eq(buf[needed], 'Z');
}

START_TEST(test_parse)
{
        const struct parse_case *c = &parse_cases[_i];
        const char *canonical = c->canonical ? c->canonical : c->text;
        struct sockaddr_storage ss, ss2, untouched;
        socklen_t len, len2;
        char buf[SB_ADDR_STRLEN_MAX];
        int r;

        memset(&ss, 0xa5, sizeof(ss));
        untouched = ss;
        len = 0xa5a5;

        errno = 0;
        r = sb_addr_parse(c->family, c->protocol, c->text, &ss, &len);

        if (c->error != 0) {
                ck_assert_msg(r == -1 && errno == c->error,
                              "row %d: parse(%d, %d, \"%s\") = %d, errno %d (%s), expected errno %d",
                              _i, c->family, c->protocol, c->text, r, errno, strerror(errno),
                              c->error);
                /* A failed parse leaves the output alone. */
                ck_assert_mem_eq(&ss, &untouched, sizeof(ss));
                ck_assert_uint_eq(len, 0xa5a5);
                return;
        }

        ck_assert_msg(r == 0, "row %d: parse(%d, %d, \"%s\") failed: %s", _i, c->family,
                      c->protocol, c->text, strerror(errno));
        ck_assert_int_eq(ss.ss_family, c->family);
        ck_assert_uint_ge(len, sizeof(sa_family_t));
        ck_assert_uint_le(len, sizeof(ss));

        r = sb_addr_format((struct sockaddr *)&ss, len, c->protocol, buf, sizeof(buf));
        ck_assert_msg(r == 0, "row %d: format(parse(\"%s\")) failed: %s", _i, c->text,
                      strerror(errno));
        ck_assert_str_eq(buf, canonical);

        /* The canonical text is a fixed point, to the byte. */
        memset(&ss2, 0x5a, sizeof(ss2));
        ck_assert_int_eq(sb_addr_parse(c->family, c->protocol, canonical, &ss2, &len2), 0);
        ck_assert_uint_eq(len2, len);
        ck_assert_mem_eq(&ss2, &ss, len);

        check_format_sizes((struct sockaddr *)&ss, len, c->protocol, canonical);
}
END_TEST

/* ---- address -> text -> address ---------------------------------------- */

struct format_case {
        int protocol;
        socklen_t len;
        bool canonical;         /* parse(text) gives back exactly u[0..len) */
        bool lo;                /* the ifindex or scope id is set to lo's at run time */
        union sa_any u;
        const char *text;       /* NULL when formatting fails */
        int error;
};

static const struct format_case format_cases[] = {
        /* AF_INET */
        { .len = sizeof(struct sockaddr_in), .canonical = true,
          .u.in = { .sin_family = AF_INET, .sin_port = BE16(80), .sin_addr.s_addr = BE32(0x7f000001) },
          .text = "127.0.0.1:80" },
        { .len = sizeof(struct sockaddr_in), .canonical = true,
          .u.in = { .sin_family = AF_INET },
          .text = "0.0.0.0:0" },
        { .len = sizeof(struct sockaddr_in), .canonical = true,
          .u.in = { .sin_family = AF_INET, .sin_port = BE16(65535), .sin_addr.s_addr = BE32(0xffffffff) },
          .text = "255.255.255.255:65535" },
        { .len = sizeof(struct sockaddr_storage),
          .u.in = { .sin_family = AF_INET, .sin_port = BE16(1), .sin_addr.s_addr = BE32(0xc0000201) },
          .text = "192.0.2.1:1" },
        { .len = sizeof(struct sockaddr_in) - 1,
          .u.in = { .sin_family = AF_INET },
          .error = EINVAL },

        /* AF_INET6 */
        { .len = sizeof(struct sockaddr_in6), .canonical = true,
          .u.in6 = { .sin6_family = AF_INET6, .sin6_port = BE16(22), .sin6_addr = IN6ADDR_LOOPBACK_INIT },
          .text = "[::1]:22" },
        { .len = sizeof(struct sockaddr_in6), .canonical = true, .lo = true,
          .u.in6 = { .sin6_family = AF_INET6, .sin6_port = BE16(22),
                     .sin6_addr.s6_addr = { 0xfe, 0x80, [15] = 1 } },
          .text = "[fe80::1%lo]:22" },
        { .len = sizeof(struct sockaddr_in6), .canonical = true,
          .u.in6 = { .sin6_family = AF_INET6, .sin6_port = BE16(65535), .sin6_flowinfo = BE32(0xfffff),
                     .sin6_scope_id = 4000000000u,
                     .sin6_addr.s6_addr = { 0xfe, 0x80, [15] = 1 } },
          .text = "[fe80::1%4000000000]:65535,0xfffff" },
        { .len = sizeof(struct sockaddr_in6), .canonical = true,
          .u.in6 = { .sin6_family = AF_INET6, .sin6_port = BE16(80),
                     .sin6_addr.s6_addr = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 } },
          .text = "[::ffff:192.0.2.1]:80" },
        { .len = sizeof(struct sockaddr_in6),
          .u.in6 = { .sin6_family = AF_INET6, .sin6_flowinfo = BE32(0x100000) },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_in6),
          .u.in6 = { .sin6_family = AF_INET6, .sin6_flowinfo = BE32(0x0ff00000) },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_in6) - 1,
          .u.in6 = { .sin6_family = AF_INET6 },
          .error = EINVAL },

        /* AF_UNIX */
        { .len = SUN_OFF + 7, .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "/tmp/x" },
          .text = "/tmp/x" },
        { .len = SUN_OFF + 6,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "/tmp/x" },
          .text = "/tmp/x" },
        { .len = sizeof(struct sockaddr_un),
          .u.un = { .sun_family = AF_UNIX, .sun_path = "/tmp/x\0junk" },
          .text = "/tmp/x" },
        { .len = sizeof(struct sockaddr_un), .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "/" X100 "xxxxxx" },
          .text = "/" X100 "xxxxxx" },
        { .len = SUN_OFF + 4, .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "\0abc" },
          .text = "@abc" },
        { .len = SUN_OFF + 1, .canonical = true,
          .u.un = { .sun_family = AF_UNIX },
          .text = "@" },
        { .len = sizeof(struct sockaddr_un), .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "\0" S107 },
          .text = "@" S107 },
        /* A NUL inside an abstract name is escaped. */
        { .len = SUN_OFF + 4, .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "\0a\0b" },
          .text = "@a\\x00b" },
        /* Only sun_family: autobind in bind(2), unbound in getsockname(2). */
        { .len = SUN_OFF, .canonical = true,
          .u.un = { .sun_family = AF_UNIX },
          .text = "" },
        { .len = SUN_OFF - 1,
          .u.un = { .sun_family = AF_UNIX },
          .error = EINVAL },
        /* A path's leading '@' is escaped; a later one is not. */
        { .len = SUN_OFF + 5, .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "@foo" },
          .text = "\\@foo" },
        { .len = SUN_OFF + 7, .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "./@foo" },
          .text = "./@foo" },
        { .len = SUN_OFF + 7, .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "\\\001\377\n@\\" },
          .text = "\\\\\\x01\\xff\\x0a@\\\\" },
        /* The longest text of all: every byte of the longest name escaped. */
        { .len = sizeof(struct sockaddr_un), .canonical = true,
          .u.un = { .sun_family = AF_UNIX, .sun_path = { [1 ... 107] = 1 } },
          .text = "@" X1E X1E X1E X1E X1E X1E X1E X1E X1E X1E
                  X1E X1E X1E X1E X1E X1E X1E X1E X1E X1E "\\x01\\x01\\x01\\x01\\x01\\x01\\x01" },
        { .len = sizeof(struct sockaddr_un) + 1,
          .u.un = { .sun_family = AF_UNIX, .sun_path = "/tmp/x" },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_un),
          .u.un = { .sun_family = AF_UNIX, .sun_path = "/" S107 },
          .error = EINVAL },

        /* AF_CAN */
        { .protocol = CAN_RAW, .len = sizeof(struct sockaddr_can), .canonical = true,
          .u.can = { .can_family = AF_CAN },
          .text = "any" },
        { .protocol = CAN_RAW, .len = sizeof(struct sockaddr_can), .canonical = true, .lo = true,
          .u.can = { .can_family = AF_CAN },
          .text = "lo" },
        { .protocol = CAN_BCM, .len = 8,
          .u.can = { .can_family = AF_CAN, .can_ifindex = 4000000 },
          .text = "4000000" },
        { .protocol = CAN_RAW, .len = 7,
          .u.can = { .can_family = AF_CAN },
          .error = EINVAL },
        { .protocol = CAN_RAW, .len = sizeof(struct sockaddr_can),
          .u.can = { .can_family = AF_CAN, .can_ifindex = -1 },
          .error = EINVAL },
        { .protocol = CAN_ISOTP, .len = sizeof(struct sockaddr_can), .canonical = true, .lo = true,
          .u.can = { .can_family = AF_CAN, .can_addr.tp = { 0x123, 0x456 } },
          .text = "lo,0x123,0x456" },
        { .protocol = CAN_ISOTP, .len = 16,
          .u.can = { .can_family = AF_CAN,
                     .can_addr.tp = { CAN_EFF_FLAG | 0x123, CAN_EFF_FLAG | 0x12345 } },
          .text = "any,0x80000123,0x12345" },
        { .protocol = CAN_ISOTP, .len = 15,
          .u.can = { .can_family = AF_CAN },
          .error = EINVAL },
        { .protocol = CAN_ISOTP, .len = sizeof(struct sockaddr_can),
          .u.can = { .can_family = AF_CAN, .can_addr.tp = { 0x800, 0 } },
          .error = EINVAL },
        { .protocol = CAN_ISOTP, .len = sizeof(struct sockaddr_can),
          .u.can = { .can_family = AF_CAN, .can_addr.tp = { 0, CAN_RTR_FLAG | 1 } },
          .error = EINVAL },
        { .protocol = CAN_ISOTP, .len = sizeof(struct sockaddr_can),
          .u.can = { .can_family = AF_CAN, .can_addr.tp = { 0, CAN_EFF_FLAG | CAN_ERR_FLAG } },
          .error = EINVAL },
        { .protocol = CAN_J1939, .len = sizeof(struct sockaddr_can), .canonical = true,
          .u.can = { .can_family = AF_CAN,
                     .can_addr.j1939 = { J1939_NO_NAME, J1939_NO_PGN, J1939_NO_ADDR } },
          .text = "any,-,-,-" },
        { .protocol = CAN_J1939, .len = sizeof(struct sockaddr_can), .canonical = true, .lo = true,
          .u.can = { .can_family = AF_CAN,
                     .can_addr.j1939 = { 0xa00000000000cafe, J1939_PGN_MAX, 0 } },
          .text = "lo,0xa00000000000cafe,0x3ffff,0x0" },
        { .protocol = CAN_J1939, .len = sizeof(struct sockaddr_can),
          .u.can = { .can_family = AF_CAN, .can_addr.j1939 = { 0, J1939_NO_PGN + 1, 0 } },
          .error = EINVAL },
        { .protocol = CAN_J1939, .len = sizeof(struct sockaddr_can) - 1,
          .u.can = { .can_family = AF_CAN },
          .error = EINVAL },
        { .protocol = 0, .len = sizeof(struct sockaddr_can),
          .u.can = { .can_family = AF_CAN },
          .error = EPROTONOSUPPORT },

        /* AF_PACKET */
        { .len = sizeof(struct sockaddr_ll), .canonical = true, .lo = true,
          .u.ll = { .sll_family = AF_PACKET, .sll_protocol = BE16(0x0800) },
          .text = "lo,0x0800" },
        { .len = sizeof(struct sockaddr_ll), .canonical = true,
          .u.ll = { .sll_family = AF_PACKET, .sll_protocol = BE16(0x88f7), .sll_pkttype = 200 },
          .text = "any,0x88f7,200" },
        { .len = SLL_OFF + 6,
          .u.ll = { .sll_family = AF_PACKET, .sll_protocol = BE16(0x0003), .sll_ifindex = 4000000,
                    .sll_pkttype = PACKET_OUTGOING, .sll_hatype = 1, .sll_halen = 6,
                    .sll_addr = { 0x02, 0, 0x5e, 0x10, 0, 0x01 } },
          .text = "4000000,0x0003,outgoing,1,02:00:5e:10:00:01" },
        { .len = sizeof(struct sockaddr_ll), .canonical = true,
          .u.ll = { .sll_family = AF_PACKET, .sll_hatype = 772, .sll_pkttype = PACKET_HOST },
          .text = "any,0x0000,host,772" },
        { .len = sizeof(struct sockaddr_ll),
          .u.ll = { .sll_family = AF_PACKET, .sll_halen = 9 },
          .error = EINVAL },
        { .len = SLL_OFF + 5,
          .u.ll = { .sll_family = AF_PACKET, .sll_halen = 6 },
          .error = EINVAL },
        { .len = SLL_OFF - 1,
          .u.ll = { .sll_family = AF_PACKET },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_ll),
          .u.ll = { .sll_family = AF_PACKET, .sll_ifindex = -5 },
          .error = EINVAL },

        /* AF_BLUETOOTH */
        { .protocol = BTPROTO_L2CAP, .len = sizeof(struct sockaddr_l2), .canonical = true,
          .u.l2 = { .l2_family = AF_BLUETOOTH, .l2_psm = LE16(0x1001),
                    .l2_bdaddr = { { 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 } } },
          .text = "00:11:22:33:44:55,0x1001" },
        { .protocol = BTPROTO_L2CAP, .len = sizeof(struct sockaddr_l2), .canonical = true,
          .u.l2 = { .l2_family = AF_BLUETOOTH, .l2_cid = LE16(4),
                    .l2_bdaddr = { { 0x01, 0x00, 0x00, 0xee, 0xff, 0xc0 } },
                    .l2_bdaddr_type = BDADDR_LE_RANDOM },
          .text = "C0:FF:EE:00:00:01,0x0000,0x0004,le-random" },
        { .protocol = BTPROTO_L2CAP, .len = sizeof(struct sockaddr_l2),
          .u.l2 = { .l2_family = AF_BLUETOOTH, .l2_bdaddr_type = 3 },
          .error = EINVAL },
        { .protocol = BTPROTO_L2CAP, .len = sizeof(struct sockaddr_l2) - 1,
          .u.l2 = { .l2_family = AF_BLUETOOTH },
          .error = EINVAL },
        { .protocol = BTPROTO_RFCOMM, .len = sizeof(struct sockaddr_rc), .canonical = true,
          .u.rc = { .rc_family = AF_BLUETOOTH, .rc_channel = 30,
                    .rc_bdaddr = { { 0xff, 0xff, 0xff, 0, 0, 0 } } },
          .text = "00:00:00:FF:FF:FF,30" },
        { .protocol = BTPROTO_RFCOMM, .len = sizeof(struct sockaddr_rc),
          .u.rc = { .rc_family = AF_BLUETOOTH, .rc_channel = 31 },
          .error = EINVAL },
        { .protocol = BTPROTO_RFCOMM, .len = sizeof(struct sockaddr_rc) - 1,
          .u.rc = { .rc_family = AF_BLUETOOTH, .rc_channel = 1 },
          .error = EINVAL },
        { .protocol = BTPROTO_SCO, .len = sizeof(struct sockaddr_sco), .canonical = true,
          .u.sco = { .sco_family = AF_BLUETOOTH,
                     .sco_bdaddr = { { 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 } } },
          .text = "01:23:45:67:89:AB" },
        { .protocol = BTPROTO_SCO, .len = sizeof(struct sockaddr_sco) - 1,
          .u.sco = { .sco_family = AF_BLUETOOTH },
          .error = EINVAL },
        { .protocol = BTPROTO_HCI, .len = sizeof(struct sockaddr_hci), .canonical = true,
          .u.hci = { .hci_family = AF_BLUETOOTH, .hci_dev = HCI_DEV_NONE,
                     .hci_channel = HCI_CHANNEL_MONITOR },
          .text = "monitor" },
        { .protocol = BTPROTO_HCI, .len = sizeof(struct sockaddr_hci), .canonical = true,
          .u.hci = { .hci_family = AF_BLUETOOTH, .hci_dev = 3, .hci_channel = 1000 },
          .text = "hci3,1000" },
        { .protocol = BTPROTO_HCI, .len = sizeof(struct sockaddr_hci) - 1,
          .u.hci = { .hci_family = AF_BLUETOOTH },
          .error = EINVAL },
        { .protocol = 4, .len = sizeof(struct sockaddr_storage),
          .u.l2 = { .l2_family = AF_BLUETOOTH },
          .error = EPROTONOSUPPORT },

        /* AF_NETLINK */
        { .len = sizeof(struct sockaddr_nl), .canonical = true,
          .u.nl = { .nl_family = AF_NETLINK, .nl_pid = 4242, .nl_groups = 0x11 },
          .text = "4242,0x11" },
        { .len = sizeof(struct sockaddr_nl) - 1,
          .u.nl = { .nl_family = AF_NETLINK },
          .error = EINVAL },

        /* AF_VSOCK */
        { .len = sizeof(struct sockaddr_vm), .canonical = true,
          .u.vm = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = VMADDR_PORT_ANY },
          .text = "host:any" },
        { .len = sizeof(struct sockaddr_vm), .canonical = true,
          .u.vm = { .svm_family = AF_VSOCK, .svm_cid = 3, .svm_port = 5000,
                    .svm_flags = VMADDR_FLAG_TO_HOST },
          .text = "3:5000,0x1" },
        { .len = sizeof(struct sockaddr_vm) - 1,
          .u.vm = { .svm_family = AF_VSOCK },
          .error = EINVAL },

        /* AF_TIPC */
        { .len = sizeof(struct sockaddr_tipc), .canonical = true,
          .u.tipc = { .family = AF_TIPC, .addrtype = TIPC_ADDR_NAMESEQ, .scope = TIPC_NODE_SCOPE,
                      .addr.nameseq = { 18888, 17, 17 } },
          .text = "nameseq:18888,17,17,node" },
        { .len = sizeof(struct sockaddr_tipc), .canonical = true,
          .u.tipc = { .family = AF_TIPC, .addrtype = TIPC_ADDR_NAME, .scope = -128,
                      .addr.name = { { 18888, 17 }, 0x1001001 } },
          .text = "name:18888,17,0x1001001,-128" },
        { .len = sizeof(struct sockaddr_tipc), .canonical = true,
          .u.tipc = { .family = AF_TIPC, .addrtype = TIPC_ADDR_ID, .scope = 4,
                      .addr.id = { .ref = 77, .node = 0x1001002 } },
          .text = "id:0x1001002,77,4" },
        { .len = sizeof(struct sockaddr_tipc),
          .u.tipc = { .family = AF_TIPC, .addrtype = 0 },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_tipc),
          .u.tipc = { .family = AF_TIPC, .addrtype = 4 },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_tipc) - 1,
          .u.tipc = { .family = AF_TIPC, .addrtype = TIPC_ADDR_ID },
          .error = EINVAL },

        /* AF_ALG */
        { .len = sizeof(struct sockaddr_alg), .canonical = true,
          .u.alg = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha256" },
          .text = "hash,sha256" },
        { .len = sizeof(struct sockaddr_alg), .canonical = true,
          .u.alg = { .salg_family = AF_ALG, .salg_type = "abcdefghijklm", .salg_name = S63,
                     .salg_feat = 0xffffffff, .salg_mask = 0xffffffff },
          .text = "abcdefghijklm," S63 ",0xffffffff,0xffffffff" },
        { .len = sizeof(struct sockaddr_alg), .canonical = true,
          .u.alg = { .salg_family = AF_ALG, .salg_type = "aead",
                     .salg_name = "authenc(hmac(sha256),cbc(aes))", .salg_mask = 1 },
          .text = "aead,authenc(hmac(sha256),cbc(aes)),0x0,0x1" },
        { .len = sizeof(struct sockaddr_storage),
          .u.alg = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha1" },
          .text = "hash,sha1" },
        { .len = sizeof(struct sockaddr_alg),
          .u.alg = { .salg_family = AF_ALG, .salg_type = "abcdefghijklmn", .salg_name = "x" },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_alg),
          .u.alg = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = S63 "x" },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_alg),
          .u.alg = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "a,b" },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_alg),
          .u.alg = { .salg_family = AF_ALG, .salg_type = "ha sh", .salg_name = "x" },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_alg),
          .u.alg = { .salg_family = AF_ALG, .salg_type = "hash" },
          .error = EINVAL },
        { .len = sizeof(struct sockaddr_alg) - 1,
          .u.alg = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha1" },
          .error = EINVAL },

        /* AF_QIPCRTR */
        { .len = sizeof(struct sockaddr_qrtr), .canonical = true,
          .u.qrtr = { .sq_family = AF_QIPCRTR, .sq_node = QRTR_NODE_BCAST, .sq_port = QRTR_PORT_CTRL },
          .text = "4294967295:4294967294" },
        { .len = sizeof(struct sockaddr_qrtr) - 1,
          .u.qrtr = { .sq_family = AF_QIPCRTR },
          .error = EINVAL },

        /* No family */
        { .len = sizeof(struct sockaddr_storage), .u.sa = { .sa_family = AF_UNSPEC },
          .error = EAFNOSUPPORT },
        { .len = sizeof(struct sockaddr_storage), .u.sa = { .sa_family = AF_APPLETALK },
          .error = EAFNOSUPPORT },
        { .len = 1, .u.sa = { .sa_family = AF_INET }, .error = EINVAL },
        { .len = 0, .u.sa = { .sa_family = AF_INET }, .error = EINVAL },
};

START_TEST(test_format)
{
        const struct format_case *c = &format_cases[_i];
        union sa_any u = c->u;
        struct sockaddr_storage ss;
        char buf[SB_ADDR_STRLEN_MAX];
        socklen_t len;
        int r;

        if (c->lo) {
                switch (u.sa.sa_family) {
                case AF_INET6:
                        u.in6.sin6_scope_id = lo_index();
                        break;
                case AF_CAN:
                        u.can.can_ifindex = (int)lo_index();
                        break;
                case AF_PACKET:
                        u.ll.sll_ifindex = (int)lo_index();
                        break;
                default:
                        ck_abort_msg("row %d: no interface field", _i);
                }
        }

        memset(buf, 'Z', sizeof(buf));
        errno = 0;
        r = sb_addr_format(&u.sa, c->len, c->protocol, buf, sizeof(buf));

        if (!c->text) {
                ck_assert_msg(r == -1 && errno == c->error,
                              "row %d: format = %d, errno %d (%s), expected errno %d, text \"%s\"",
                              _i, r, errno, strerror(errno), c->error, buf);
                ck_assert_int_eq(buf[0], '\0');
                return;
        }

        ck_assert_msg(r == 0, "row %d: format failed: %s", _i, strerror(errno));
        ck_assert_str_eq(buf, c->text);
        check_format_sizes(&u.sa, c->len, c->protocol, c->text);

        r = sb_addr_parse(u.sa.sa_family, c->protocol, buf, &ss, &len);
        ck_assert_msg(r == 0, "row %d: parse(\"%s\") failed: %s", _i, buf, strerror(errno));
        if (c->canonical) {
                ck_assert_uint_eq(len, c->len);
                ck_assert_mem_eq(&ss, &u, len);
        }

        /* Canonical or not, the text reads back as the same text. */
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&ss, len, c->protocol, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, c->text);
}
END_TEST

/* ---- lengths ------------------------------------------------------------- */

/* The shortest length each family (and protocol) accepts, with an address
 * that formats at exactly that length. */
struct min_len_case {
        int protocol;
        socklen_t min_len;
        union sa_any u;
};

static const struct min_len_case min_len_cases[] = {
        { 0, sizeof(struct sockaddr_in), .u.in = { .sin_family = AF_INET } },
        { 0, sizeof(struct sockaddr_in6), .u.in6 = { .sin6_family = AF_INET6 } },
        { 0, SUN_OFF, .u.un = { .sun_family = AF_UNIX, .sun_path = "a" } },
        { CAN_RAW, 8, .u.can = { .can_family = AF_CAN } },
        { CAN_BCM, 8, .u.can = { .can_family = AF_CAN } },
        { CAN_ISOTP, 16, .u.can = { .can_family = AF_CAN } },
        { CAN_J1939, 24, .u.can = { .can_family = AF_CAN } },
        { 0, SLL_OFF, .u.ll = { .sll_family = AF_PACKET } },
        { BTPROTO_L2CAP, sizeof(struct sockaddr_l2), .u.l2 = { .l2_family = AF_BLUETOOTH } },
        { BTPROTO_HCI, sizeof(struct sockaddr_hci), .u.hci = { .hci_family = AF_BLUETOOTH } },
        { BTPROTO_SCO, sizeof(struct sockaddr_sco), .u.sco = { .sco_family = AF_BLUETOOTH } },
        { BTPROTO_RFCOMM, sizeof(struct sockaddr_rc), .u.rc = { .rc_family = AF_BLUETOOTH } },
        { 0, sizeof(struct sockaddr_nl), .u.nl = { .nl_family = AF_NETLINK } },
        { 0, sizeof(struct sockaddr_vm), .u.vm = { .svm_family = AF_VSOCK } },
        { 0, sizeof(struct sockaddr_tipc),
          .u.tipc = { .family = AF_TIPC, .addrtype = TIPC_ADDR_ID } },
        { 0, sizeof(struct sockaddr_alg),
          .u.alg = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha1" } },
        { 0, sizeof(struct sockaddr_qrtr), .u.qrtr = { .sq_family = AF_QIPCRTR } },
};

START_TEST(test_format_min_len)
{
        const struct min_len_case *c = &min_len_cases[_i];
        char buf[SB_ADDR_STRLEN_MAX];

        for (socklen_t len = 0; len < c->min_len; len++) {
                errno = 0;
                ck_assert_msg(sb_addr_format(&c->u.sa, len, c->protocol, buf, sizeof(buf)) == -1 &&
                              errno == EINVAL,
                              "row %d: len %u of %u accepted", _i, len, c->min_len);
                ck_assert_int_eq(buf[0], '\0');
        }
        ck_assert_int_eq(sb_addr_format(&c->u.sa, c->min_len, c->protocol, buf, sizeof(buf)), 0);
}
END_TEST

/* ---- arguments ----------------------------------------------------------- */

/* Host names only when asked (SB_ADDR_RESOLVE), numeric text never to
 * the resolver, and the resolver's failures as the reference's gaierror.
 * "localhost" is in every /etc/hosts. */
START_TEST(test_parse_resolve)
{
        struct sockaddr_storage ss;
        socklen_t len = 0;
        char buf[SB_ADDR_STRLEN];

        errno = 0;
        ck_assert_int_eq(sb_addr_parse(AF_INET, 0, "localhost:80", &ss, &len), -1);
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_int_eq(sb_addr_parse_flags(AF_INET, 0, "localhost:80", 0, &ss, &len), -1);
        ck_assert_int_eq(errno, EINVAL);

        ck_assert_int_eq(sb_addr_parse_flags(AF_INET, 0, "localhost:80", SB_ADDR_RESOLVE, &ss, &len), 0);
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&ss, len, 0, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "127.0.0.1:80");

        /* Numeric text, as sb_addr_parse() reads it. */
        ck_assert_int_eq(sb_addr_parse_flags(AF_INET6, 0, "[::1%1]:22,5", SB_ADDR_RESOLVE, &ss, &len), 0);
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&ss, len, 0, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "[::1%lo]:22,0x5");
        ck_assert_int_eq(sb_addr_parse_flags(AF_UNIX, 0, "@sb", SB_ADDR_RESOLVE, &ss, &len), 0);
        ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) + 3);

        /* The port and what follows the host stay the grammar's. */
        errno = 0;
        ck_assert_int_eq(sb_addr_parse_flags(AF_INET, 0, "localhost:99999", SB_ADDR_RESOLVE, &ss, &len), -1);
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_int_eq(sb_addr_parse_flags(AF_INET, 0, "localhost", SB_ADDR_RESOLVE, &ss, &len), -1);
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_int_eq(sb_addr_parse_flags(AF_INET, 0, ":80x", SB_ADDR_RESOLVE, &ss, &len), -1);
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_int_eq(sb_addr_parse_flags(AF_INET6, 0, "localhost:80", SB_ADDR_RESOLVE, &ss, &len), -1);
        ck_assert_int_eq(errno, EINVAL);

        /* A name that does not resolve: a resolver error, never an errno. */
        errno = 0;
        ck_assert_int_eq(sb_addr_parse_flags(AF_INET, 0, "no-such-host.invalid:80", SB_ADDR_RESOLVE,
                                             &ss, &len), -1);
        ck_assert_msg(sb_is_gaierror(errno), "errno %d", errno);

        errno = 0;
        ck_assert_int_eq(sb_addr_parse_flags(AF_INET, 0, "1.2.3.4:5", 0x1, &ss, &len), -1);
        ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_arguments)
{
        struct sockaddr_storage ss;
        struct sockaddr_in sin = { .sin_family = AF_INET };
        socklen_t len;
        char buf[SB_ADDR_STRLEN_MAX];

        errno = 0;
        ck_assert_int_eq(sb_addr_parse(AF_INET, 0, NULL, &ss, &len), -1);
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_int_eq(sb_addr_parse(AF_INET, 0, "1.2.3.4:5", NULL, &len), -1);
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_int_eq(sb_addr_parse(AF_INET, 0, "1.2.3.4:5", &ss, NULL), -1);
        ck_assert_int_eq(errno, EINVAL);

        errno = 0;
        buf[0] = 'Z';
        ck_assert_int_eq(sb_addr_format(NULL, sizeof(sin), 0, buf, sizeof(buf)), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(buf[0], '\0');
        errno = 0;
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&sin, sizeof(sin), 0, NULL, 1), -1);
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&sin, sizeof(sin), 0, NULL, 0), -1);
        ck_assert_int_eq(errno, ENOSPC);

        /* An unaligned address is fine. */
        {
                _Alignas(16) unsigned char raw[1 + sizeof(sin)];

                sin.sin_port = htons(7);
                memcpy(raw + 1, &sin, sizeof(sin));
                ck_assert_int_eq(sb_addr_format((struct sockaddr *)(void *)(raw + 1), sizeof(sin), 0,
                                                buf, sizeof(buf)), 0);
                ck_assert_str_eq(buf, "0.0.0.0:7");
        }
}
END_TEST

/* ---- randomized round trips ---------------------------------------------- */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
        /* xorshift64*: deterministic, so a failure reproduces. */
        rnd_state ^= rnd_state >> 12;
        rnd_state ^= rnd_state << 25;
        rnd_state ^= rnd_state >> 27;
        return rnd_state * UINT64_C(0x2545f4914f6cdd1d);
}

struct random_family {
        int family;
        int protocol;
        size_t size;            /* the usual length */
};

static const struct random_family random_families[] = {
        { AF_INET, 0, sizeof(struct sockaddr_in) },
        { AF_INET6, 0, sizeof(struct sockaddr_in6) },
        { AF_UNIX, 0, sizeof(struct sockaddr_un) },
        { AF_CAN, CAN_RAW, sizeof(struct sockaddr_can) },
        { AF_CAN, CAN_ISOTP, sizeof(struct sockaddr_can) },
        { AF_CAN, CAN_J1939, sizeof(struct sockaddr_can) },
        { AF_PACKET, 0, sizeof(struct sockaddr_ll) },
        { AF_BLUETOOTH, BTPROTO_L2CAP, sizeof(struct sockaddr_l2) },
        { AF_BLUETOOTH, BTPROTO_HCI, sizeof(struct sockaddr_hci) },
        { AF_BLUETOOTH, BTPROTO_SCO, sizeof(struct sockaddr_sco) },
        { AF_BLUETOOTH, BTPROTO_RFCOMM, sizeof(struct sockaddr_rc) },
        { AF_NETLINK, 0, sizeof(struct sockaddr_nl) },
        { AF_VSOCK, 0, sizeof(struct sockaddr_vm) },
        { AF_TIPC, 0, sizeof(struct sockaddr_tipc) },
        { AF_ALG, 0, sizeof(struct sockaddr_alg) },
        { AF_QIPCRTR, 0, sizeof(struct sockaddr_qrtr) },
};

#define RANDOM_ROUNDS 3000

/*
 * Random structs, mostly zero bytes and small values so that a fair share
 * is formattable: whenever one formats, its text must parse, and the
 * parsed address must format to the same text.
 */
START_TEST(test_random_format)
{
        const struct random_family *f = &random_families[_i];
        static const char alg_chars[] = "abcdefghz09-_()";
        unsigned formatted = 0;

        rnd_state = UINT64_C(0x9e3779b97f4a7c15) + (uint64_t)_i;

        for (unsigned round = 0; round < RANDOM_ROUNDS; round++) {
                union sa_any u, u2;
                char text[SB_ADDR_STRLEN_MAX], text2[SB_ADDR_STRLEN_MAX];
                socklen_t len, len2;
                uint64_t bits = rnd();

                unsigned char *bytes = (unsigned char *)&u;

                /* A quarter random bytes, a quarter 0 or 1, half zero. */
                for (size_t i = 0; i < sizeof(u); i++) {
                        uint64_t v = rnd();

                        bytes[i] = (v & 3) == 0 ? (unsigned char)(v >> 8)
                                 : (v & 3) == 1 ? (unsigned char)((v >> 8) & 1)
                                                : 0;
                }
                /* Plausible AF_ALG names, with the odd bad character. */
                if (f->family == AF_ALG) {
                        memset(u.alg.salg_type, 0, sizeof(u.alg.salg_type));
                        memset(u.alg.salg_name, 0, sizeof(u.alg.salg_name));
                        for (size_t i = 0, n = 1 + rnd() % 8; i < n; i++)
                                u.alg.salg_type[i] = (uint8_t)alg_chars[rnd() % (sizeof(alg_chars) - 1)];
                        snprintf((char *)u.alg.salg_name, sizeof(u.alg.salg_name),
                                 rnd() & 1 ? "%c%c(%c,%c)" : "%c%c%c%c",
                                 alg_chars[rnd() % (sizeof(alg_chars) - 1)],
                                 alg_chars[rnd() % (sizeof(alg_chars) - 1)],
                                 alg_chars[rnd() % (sizeof(alg_chars) - 1)],
                                 alg_chars[rnd() % (sizeof(alg_chars) - 1)]);
                }
                u.sa.sa_family = (sa_family_t)f->family;
                len = (bits & 3) != 0 ? (socklen_t)f->size : (socklen_t)((bits >> 8) % (f->size + 8));

                if (sb_addr_format(&u.sa, len, f->protocol, text, sizeof(text)) < 0) {
                        ck_assert_int_eq(text[0], '\0');
                        ck_assert(errno == EINVAL);
                        continue;
                }
                formatted++;

                ck_assert_msg(sb_addr_parse(f->family, f->protocol, text, &u2.ss, &len2) == 0,
                              "family %d/%d: \"%s\" does not parse: %s", f->family, f->protocol,
                              text, strerror(errno));
                ck_assert_int_eq(sb_addr_format(&u2.sa, len2, f->protocol, text2, sizeof(text2)), 0);
                ck_assert_str_eq(text2, text);
        }

        /* The generator must not be so wild that nothing formats. */
        ck_assert_uint_gt(formatted, RANDOM_ROUNDS / 20);
}
END_TEST

/*
 * Random texts over an alphabet of the syntax' own characters: whatever
 * parses must format, and that text must parse to the same bytes.
 */
START_TEST(test_random_parse)
{
        const struct random_family *f = &random_families[_i];
        static const char alphabet[] = "0123456789abcdefx:,[]%@-<>.()lonyhi";
        static const char *const seeds[] = {
                "1.2.3.4:5", "[::1]:1,0x1", "@a", "lo", "lo,0x1,0x2", "lo,-,-,-", "lo,0x0800,host,1,aa",
                "00:11:22:33:44:55,1", "00:11:22:33:44:55", "hci0,1", "1,0x1", "any:1", "id:1,2,node", "a,b(c,d)", "1:2",
        };
        unsigned parsed = 0;

        rnd_state = UINT64_C(0x2545f4914f6cdd1d) + (uint64_t)_i;

        for (unsigned round = 0; round < RANDOM_ROUNDS; round++) {
                struct sockaddr_storage ss, ss2;
                char text[48], out[SB_ADDR_STRLEN_MAX];
                socklen_t len, len2;
                size_t n;

                /* Either mutate a valid-looking seed or make up noise. */
                if (rnd() & 1) {
                        const char *seed = seeds[rnd() % ELEMENTSOF(seeds)];

                        n = strlen(seed);
                        memcpy(text, seed, n + 1);
                        for (unsigned k = rnd() % 3; k > 0; k--)
                                text[rnd() % n] = alphabet[rnd() % (sizeof(alphabet) - 1)];
                } else {
                        n = rnd() % (sizeof(text) - 1);
                        for (size_t i = 0; i < n; i++)
                                text[i] = alphabet[rnd() % (sizeof(alphabet) - 1)];
                        text[n] = '\0';
                }

                if (sb_addr_parse(f->family, f->protocol, text, &ss, &len) < 0) {
                        ck_assert(errno == EINVAL || errno == ENODEV);
                        continue;
                }
                parsed++;

                ck_assert_msg(sb_addr_format((struct sockaddr *)&ss, len, f->protocol, out,
                                             sizeof(out)) == 0,
                              "family %d/%d: \"%s\" parses but does not format: %s", f->family,
                              f->protocol, text, strerror(errno));
                ck_assert_msg(sb_addr_parse(f->family, f->protocol, out, &ss2, &len2) == 0,
                              "family %d/%d: \"%s\" -> \"%s\" does not parse", f->family,
                              f->protocol, text, out);
                ck_assert_uint_eq(len2, len);
                ck_assert_mem_eq(&ss2, &ss, len);
        }

        ck_assert_uint_gt(parsed, 0);
}
END_TEST

/* ---- one round trip per family and variant ----------------------------- */

/*
 * One canonical text for every form of every family: parse -> format ->
 * parse gives the same bytes, and format -> parse -> format the same
 * text. The tables above test the corners; this one is the inventory,
 * so a new form without a round trip shows as a missing row.
 */
struct roundtrip_case {
        int family;
        int protocol;
        const char *text;
};

static const struct roundtrip_case roundtrip_cases[] = {
        { AF_INET, 0, "192.0.2.1:80" },
        { AF_INET6, 0, "[2001:db8::1]:443" },
        { AF_INET6, 0, "[fe80::1%lo]:22,0x12345" },
        { AF_UNIX, 0, "/run/sockbroker.sock" },
        { AF_UNIX, 0, "relative/@sock" },
        { AF_UNIX, 0, "\\@leading-at" },                 /* a path, not abstract */
        { AF_UNIX, 0, "back\\\\slash" },
        { AF_UNIX, 0, "/tmp/caf\\xc3\\xa9" },
        { AF_UNIX, 0, "@abstract" },
        { AF_UNIX, 0, "@" },                            /* abstract, no bytes */
        { AF_UNIX, 0, "@\\x00inner\\x00nul\\x0a" },
        { AF_UNIX, 0, "@\\\\@" },
        { AF_UNIX, 0, "" },                             /* autobind */
        { AF_CAN, CAN_RAW, "lo" },
        { AF_CAN, CAN_RAW, "any" },
        { AF_CAN, CAN_BCM, "lo" },
        { AF_CAN, CAN_ISOTP, "lo,0x7e8,0x7e0" },        /* standard ids */
        { AF_CAN, CAN_ISOTP, "lo,0x18da00f1,0x18daf100" },      /* extended, flag implied */
        { AF_CAN, CAN_ISOTP, "lo,0x80000123,0x7ff" },   /* extended below 0x800, flag written */
        { AF_CAN, CAN_J1939, "lo,0x1122334455667788,0xef00,0x80" },
        { AF_CAN, CAN_J1939, "any,-,-,-" },             /* J1939_NO_NAME, _NO_PGN, _NO_ADDR */
        { AF_PACKET, 0, "lo" },                         /* protocol 0: the socket's */
        { AF_PACKET, 0, "lo,0x88f7" },
        { AF_PACKET, 0, "any,0x0003,outgoing" },
        { AF_PACKET, 0, "lo,0x0800,host,772,00:00:00:00:00:00" },
        { AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,0x1001" },
        { AF_BLUETOOTH, BTPROTO_L2CAP, "00:11:22:33:44:55,0x0000,0x0004,le-random" },
        { AF_BLUETOOTH, BTPROTO_HCI, "hci0" },
        { AF_BLUETOOTH, BTPROTO_HCI, "hci1,user" },
        { AF_BLUETOOTH, BTPROTO_HCI, "monitor" },
        { AF_BLUETOOTH, BTPROTO_HCI, "control" },
        { AF_BLUETOOTH, BTPROTO_HCI, "logging" },
        { AF_BLUETOOTH, BTPROTO_HCI, "none" },
        { AF_BLUETOOTH, BTPROTO_HCI, "hci2,77" },
        { AF_BLUETOOTH, BTPROTO_SCO, "01:23:45:67:89:AB" },
        { AF_BLUETOOTH, BTPROTO_RFCOMM, "00:11:22:33:44:55,30" },
        { AF_NETLINK, 0, "0,0x1" },
        { AF_VSOCK, 0, "host:1024,0x1" },
        { AF_TIPC, 0, "nameseq:1000,1,10" },
        { AF_TIPC, 0, "name:1000,1,0x0,node" },
        { AF_TIPC, 0, "id:0x1001001,7,-1" },
        { AF_ALG, 0, "aead,authenc(hmac(sha256),cbc(aes)),0x1,0x2" },
        { AF_QIPCRTR, 0, "1:4294967294" },
};

START_TEST(test_roundtrip)
{
        const struct roundtrip_case *c = &roundtrip_cases[_i];
        struct sockaddr_storage ss, ss2;
        socklen_t len, len2;
        char text[SB_ADDR_STRLEN_MAX], text2[SB_ADDR_STRLEN_MAX];

        ck_assert_msg(sb_addr_parse(c->family, c->protocol, c->text, &ss, &len) == 0,
                      "\"%s\": %s", c->text, strerror(errno));
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&ss, len, c->protocol, text,
                                        sizeof(text)), 0);
        ck_assert_str_eq(text, c->text);
        ck_assert_int_eq(sb_addr_parse(c->family, c->protocol, text, &ss2, &len2), 0);
        ck_assert_uint_eq(len2, len);
        ck_assert_mem_eq(&ss2, &ss, len);
        ck_assert_int_eq(sb_addr_format((struct sockaddr *)&ss2, len2, c->protocol, text2,
                                        sizeof(text2)), 0);
        ck_assert_str_eq(text2, text);
}
END_TEST

/* ---- AF_UNIX sockets for real -------------------------------------------- */

static void make_temp_dir(char *dir, size_t size)
{
        snprintf(dir, size, "/tmp/check-addr-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Formats fd's name, parses it back, and compares with the kernel's. */
static void check_name_round_trip(int fd, const char *expected)
{
        struct sockaddr_storage kernel, parsed;
        socklen_t klen = sizeof(kernel), plen;
        char text[SB_ADDR_STRLEN_MAX];

        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&kernel, &klen), 0);
        ck_assert_msg(sb_getsockname_text(fd, text, sizeof(text)) == 0, "sb_getsockname_text: %s",
                      strerror(errno));
        if (expected)
                ck_assert_str_eq(text, expected);
        ck_assert_int_eq(sb_addr_parse(AF_UNIX, 0, text, &parsed, &plen), 0);
        ck_assert_uint_eq(plen, klen);
        ck_assert_mem_eq(&parsed, &kernel, klen);
}

/* A relative path with a leading '@' reads as abstract unless escaped: "\@". */
START_TEST(test_unix_leading_at_path)
{
        struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "@foo" };
        char dir[64], path[96];
        int fd, cwd;

        make_temp_dir(dir, sizeof(dir));
        cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(cwd, 0);
        ck_assert_int_eq(chdir(dir), 0);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&un,
                              (socklen_t)(SUN_OFF + strlen(un.sun_path) + 1)), 0);
        check_name_round_trip(fd, "\\@foo");
        close(fd);
        unlink("@foo");

        ck_assert_int_eq(fchdir(cwd), 0);
        close(cwd);

        /* Only a leading '@' is escaped: inside a path it is an '@'. */
        snprintf(path, sizeof(path), "%s/@bar", dir);
        memcpy(un.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&un,
                              (socklen_t)(SUN_OFF + strlen(un.sun_path) + 1)), 0);
        check_name_round_trip(fd, path);
        close(fd);
        unlink(path);
        rmdir(dir);
}
END_TEST

static bool is_autobind_name(const char *text)
{
        if (strlen(text) != 6 || text[0] != '@')
                return false;
        for (size_t i = 1; i < 6; i++)
                if (!strchr("0123456789abcdef", text[i]))
                        return false;
        return true;
}

/* Autobind (bind with sun_family alone) gives an abstract name of five
 * hex digits, which formats as "@xxxxx"; the text of the autobind
 * address itself is "", and binding what "" parses to autobinds. */
START_TEST(test_unix_autobind)
{
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        struct sockaddr_storage ss;
        char text[SB_ADDR_STRLEN_MAX];
        socklen_t len;
        int fd;

        /* An unbound socket's name is the autobind address, "". */
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        check_name_round_trip(fd, "");

        ck_assert_int_eq(bind(fd, (struct sockaddr *)&un, sizeof(sa_family_t)), 0);
        ck_assert_int_eq(sb_getsockname_text(fd, text, sizeof(text)), 0);
        ck_assert_msg(is_autobind_name(text), "autobound as \"%s\"", text);
        check_name_round_trip(fd, text);
        close(fd);

        /* parse("") is the autobind address, and binding it autobinds. */
        ck_assert_int_eq(sb_addr_parse(AF_UNIX, 0, "", &ss, &len), 0);
        ck_assert_uint_eq(len, sizeof(sa_family_t));
        ck_assert_int_eq(ss.ss_family, AF_UNIX);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
        ck_assert_int_eq(sb_getsockname_text(fd, text, sizeof(text)), 0);
        ck_assert_msg(is_autobind_name(text), "\"\" bound as \"%s\"", text);
        close(fd);

        /* "@", the abstract name of no bytes, is another address. */
        ck_assert_int_eq(sb_addr_parse(AF_UNIX, 0, "@", &ss, &len), 0);
        ck_assert_uint_eq(len, sizeof(sa_family_t) + 1);
}
END_TEST

Suite *make_addr_suite(void)
{
        Suite *s = suite_create("addr");
        TCase *tc;

        tc = tcase_create("parse");
        tcase_add_loop_test(tc, test_parse, 0, (int)ELEMENTSOF(parse_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("format");
        tcase_add_loop_test(tc, test_format, 0, (int)ELEMENTSOF(format_cases));
        tcase_add_loop_test(tc, test_format_min_len, 0, (int)ELEMENTSOF(min_len_cases));
        tcase_add_test(tc, test_arguments);
        tcase_add_test(tc, test_parse_resolve);
        suite_add_tcase(s, tc);

        tc = tcase_create("roundtrip");
        tcase_add_loop_test(tc, test_roundtrip, 0, (int)ELEMENTSOF(roundtrip_cases));
        tcase_add_test(tc, test_unix_leading_at_path);
        tcase_add_test(tc, test_unix_autobind);
        suite_add_tcase(s, tc);

        tc = tcase_create("random");
        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_random_format, 0, (int)ELEMENTSOF(random_families));
        tcase_add_loop_test(tc, test_random_parse, 0, (int)ELEMENTSOF(random_families));
        suite_add_tcase(s, tc);

        return s;
}
