/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockbroker/addr.h - socket addresses as text, for every address family
 * sockbroker can hand out.
 *
 * The text forms mirror the address tuples of the Python socket module,
 * written as one string. sb_addr_parse() turns text into a struct sockaddr
 * that can be passed to bind(2), connect(2) or sendto(2); sb_addr_format()
 * turns an address from the kernel (getsockname(2), recvfrom(2), ...) back
 * into text. Both are pure: no DNS, no service names, no files. The only
 * lookups are interface names, through if_nametoindex(3) and
 * if_indextoname(3), in the caller's network namespace. Both functions
 * are thread-safe and allocate nothing.
 *
 * Round trip
 * ----------
 * sb_addr_format() writes one canonical spelling, and sb_addr_parse()
 * accepts it back: parse(format(a)) is a again (fields the kernel ignores,
 * such as padding, come back zeroed), and format(parse(t)) is the
 * canonical spelling of t. An address that has no text form here (for
 * example an AF_UNIX name with a NUL byte inside it) fails to format with
 * EINVAL instead of being written lossily. Interface names tie a text to
 * the network namespace it was written in; indexes are written where a
 * name does not resolve.
 *
 * Common rules
 * ------------
 * NUMBER   Decimal without sign, spaces or leading zeros ("0" itself is
 *          fine, "010" is not: it would read as octal elsewhere), or
 *          hexadecimal with a 0x or 0X prefix ("0x0800"; leading zeros are
 *          fine there), at most 31 characters. Each field has a range;
 *          outside it is EINVAL. This is the number syntax of the
 *          sockbroker policy language.
 * IFACE    An interface name, or a decimal interface index. A field that is
 *          all digits is always an index, and is not checked for existence
 *          (bind(2) does that). Where noted, "any" or the empty string is
 *          index 0 (all interfaces). Names are 1 to IF_NAMESIZE-1
 *          printable ASCII characters other than / : , % [ ]; an interface
 *          whose name breaks these rules (or is "any" or all digits) is
 *          written as its index. Formatting writes the name when the index
 *          resolves, else the index.
 * Fields   are separated by ',' without spaces. Optional trailing fields
 *          shown as [,x] may be left out; formatting leaves them out
 *          whenever they hold their default.
 * Output   Formatting writes at most SB_ADDR_STRLEN bytes, NUL included.
 *          Hexadecimal is written in lower case except Bluetooth addresses.
 *
 * Formats by family (protocol is ignored unless a row names it)
 * -------------------------------------------------------------
 * AF_INET       HOST:PORT
 *               HOST is a dotted-quad IPv4 literal ("192.0.2.1"), empty
 *               for INADDR_ANY, or "<broadcast>" for INADDR_BROADCAST.
 *               PORT is 0..65535. Written as "a.b.c.d:port"; INADDR_ANY
 *               is written "0.0.0.0:port".
 *
 * AF_INET6      [ADDR%SCOPE]:PORT,FLOWINFO
 *               The brackets are required; "%SCOPE" and ",FLOWINFO" are
 *               optional. ADDR is an IPv6 literal (inet_pton(3)). SCOPE is
 *               sin6_scope_id as a decimal number or an interface name.
 *               PORT is 0..65535. FLOWINFO is the 20-bit flow label,
 *               0..0xfffff, in host byte order (sin6_flowinfo holds it in
 *               network byte order). Written as "[fe80::1%eth0]:22" or
 *               "[2001:db8::1]:443,0x12345"; a scope or flowinfo of 0 is
 *               left out, and the scope is written as the interface name
 *               when one resolves.
 *
 * AF_UNIX       PATH  or  @NAME
 *               PATH is a file system path of 1 to 107 bytes (it is stored
 *               NUL-terminated in the 108-byte sun_path; the length counts
 *               the NUL). "@NAME" is NAME (0 to 107 bytes, any byte but
 *               NUL) in the abstract namespace: sun_path is a NUL byte then
 *               NAME, and the length covers exactly that, with no trailing
 *               NUL. A path that itself starts with '@' must be written
 *               "./@...". Unnamed addresses (length sizeof(sa_family_t))
 *               have no text form. No byte is escaped.
 *
 * AF_CAN        protocol CAN_RAW (1) or CAN_BCM (2):  IFACE
 *               protocol CAN_ISOTP (6):               IFACE,RX_ID,TX_ID
 *               protocol CAN_J1939 (7):               IFACE,NAME,PGN,ADDR
 *               IFACE may be "any" or empty (index 0: all CAN interfaces).
 *               RX_ID and TX_ID are CAN identifiers: 0..0x7ff is a
 *               standard (11-bit) id; 0x800..0x1fffffff is an extended
 *               (29-bit) id and CAN_EFF_FLAG is set; an extended id below
 *               0x800 is written with the flag itself, 0x80000000 | id.
 *               Written in hex ("vcan0,0x123,0x80000456"). NAME is the
 *               64-bit J1939 NAME; PGN is 0..0x3ffff (the PDU rules are
 *               left to the kernel); ADDR is 0..255. "-" stands for
 *               J1939_NO_NAME (0), J1939_NO_PGN and J1939_NO_ADDR (255)
 *               respectively, and is how those are written; other values
 *               are written in hex ("can0,0x1122334455667788,0xef00,0x80").
 *               The length written by sb_addr_parse() is
 *               sizeof(struct sockaddr_can); sb_addr_format() needs the
 *               protocol's minimum (8, 16 and 24 bytes, as getsockname(2)
 *               returns).
 *
 * AF_PACKET     IFACE,PROTO[,PKTTYPE[,HATYPE[,HWADDR]]]
 *               IFACE may be "any" or empty (index 0). PROTO is an
 *               EtherType in host byte order, as a NUMBER up to 0xffff or
 *               a protocol name of the sockbroker policy language ("all",
 *               "ip", "arp", "ipv6", ...; a name wins over a number, so
 *               "1588" is PTP); it is written as 0x%04x.
 *               PKTTYPE is host, broadcast, multicast, otherhost, outgoing,
 *               loopback, user, kernel, or a NUMBER up to 255 (default
 *               host). HATYPE is an ARPHRD_* NUMBER up to 0xffff (default
 *               0). HWADDR is 1 to 8 bytes as two hex digits each,
 *               separated by ':' ("02:00:5e:10:00:01"); none by default.
 *               sb_addr_format() accepts the short length the kernel
 *               returns, offsetof(struct sockaddr_ll, sll_addr) + halen.
 *
 * AF_BLUETOOTH  protocol BTPROTO_L2CAP (0):   BDADDR,PSM[,CID[,ADDRTYPE]]
 *               protocol BTPROTO_HCI (1):     DEV[,CHANNEL]
 *               protocol BTPROTO_SCO (2):     BDADDR
 *               protocol BTPROTO_RFCOMM (3):  BDADDR,CHANNEL
 *               BDADDR is six bytes as two hex digits each separated by
 *               ':', most significant first as printed by BlueZ (it is
 *               stored reversed, little-endian); "any" is BDADDR_ANY
 *               (00:00:00:00:00:00) and "local" is BDADDR_LOCAL
 *               (00:00:00:FF:FF:FF). Written in upper case hex. PSM and CID
 *               are 0..0xffff, written in decimal; only the range is
 *               checked (the kernel checks the PSM rules). ADDRTYPE is bredr (default),
 *               le-public or le-random. The RFCOMM CHANNEL is 0..30 (0
 *               lets listen(2) pick one). DEV is "hciN" or N (0..0xffff),
 *               or "none" for HCI_DEV_NONE (0xffff); it is written "hciN".
 *               The HCI CHANNEL is raw (default), user, monitor, control,
 *               logging or a NUMBER up to 0xffff.
 *
 * AF_NETLINK    PID,GROUPS
 *               PID (port id) and GROUPS (multicast group bit mask) are
 *               32-bit NUMBERs; GROUPS is written in hex.
 *
 * AF_VSOCK      CID:PORT[,FLAGS]
 *               CID is a 32-bit NUMBER or any (VMADDR_CID_ANY), hypervisor
 *               (0), local (1) or host (2). PORT is a 32-bit NUMBER or any
 *               (VMADDR_PORT_ANY). FLAGS is svm_flags, a NUMBER up to 0xff
 *               (VMADDR_FLAG_TO_HOST is 0x1), default 0.
 *
 * AF_TIPC       nameseq:TYPE,LOWER,UPPER[,SCOPE]   (TIPC_ADDR_NAMESEQ)
 *               name:TYPE,INSTANCE,DOMAIN[,SCOPE]  (TIPC_ADDR_NAME)
 *               id:NODE,REF[,SCOPE]                (TIPC_ADDR_ID)
 *               The fields are 32-bit NUMBERs, in the order of the Python
 *               tuple (addr_type, v1, v2, v3). DOMAIN and NODE are written
 *               in hex. SCOPE is zone (1), cluster (2), node (3), or a
 *               NUMBER with an optional '-' in -128..127 (a negative
 *               scope withdraws a binding); default 0, which the kernel
 *               treats as cluster. Other scopes are written in decimal.
 *
 * AF_ALG        TYPE,NAME[,FEAT[,MASK]]
 *               TYPE ("hash", "skcipher", ...) is 1 to 13 printable ASCII
 *               characters without ',' '(' ')'. NAME ("hmac(sha256)",
 *               "authenc(hmac(sha256),cbc(aes))") is 1 to 63 printable
 *               ASCII characters with balanced parentheses; a ',' splits
 *               fields only outside parentheses. FEAT and MASK are 32-bit
 *               NUMBERs, default 0, written in hex.
 *
 * AF_QIPCRTR    NODE:PORT
 *               32-bit NUMBERs (QRTR_NODE_BCAST is 4294967295,
 *               QRTR_PORT_CTRL 4294967294).
 */
#ifndef SOCKBROKER_ADDR_H
#define SOCKBROKER_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#ifndef SB_EXPORT
#  if defined(__GNUC__) && __GNUC__ >= 4
#    define SB_EXPORT __attribute__((visibility("default")))
#  else
#    define SB_EXPORT
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer of this size holds the text of any address sb_addr_format()
 * writes, terminating NUL included. */
#define SB_ADDR_STRLEN 128

/*
 * Parses text as an address of the given family (AF_*). protocol selects
 * the form for AF_CAN and AF_BLUETOOTH and is ignored for other families.
 * On success, stores the address in *ss (unused bytes zeroed) and its
 * length in *len, and returns 0. On failure returns -1 with errno set and
 * leaves *ss and *len unchanged:
 *   EINVAL           malformed text, a number out of range, a name too
 *                    long, or a NULL argument
 *   ENODEV           an interface name that does not exist (other errors
 *                    of if_nametoindex(3), such as EMFILE, pass through)
 *   EAFNOSUPPORT     a family without a text form here
 *   EPROTONOSUPPORT  a protocol without a text form (AF_CAN, AF_BLUETOOTH)
 */
SB_EXPORT int sb_addr_parse(int family, int protocol, const char *text,
                            struct sockaddr_storage *ss, socklen_t *len);

/*
 * Writes the text of the address sa of len bytes into buf of size bytes,
 * NUL-terminated. protocol is as for sb_addr_parse(). Returns 0, or -1
 * with errno set; on failure buf holds an empty string if size > 0:
 *   ENOSPC           buf is too small for the whole text (buf may be NULL
 *                    when size is 0); nothing is ever truncated
 *   EINVAL           len is too short (or, for AF_UNIX, too long) for the
 *                    family and protocol, a field holds a value that has
 *                    no text form, sa is NULL, or buf is NULL with a
 *                    size
 *   EAFNOSUPPORT     a family without a text form here
 *   EPROTONOSUPPORT  a protocol without a text form (AF_CAN, AF_BLUETOOTH)
 */
SB_EXPORT int sb_addr_format(const struct sockaddr *sa, socklen_t len, int protocol,
                             char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* SOCKBROKER_ADDR_H */
