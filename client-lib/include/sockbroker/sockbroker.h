/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockbroker/sockbroker.h - libsockbroker: the socket API, with sockets
 * the caller may not create itself obtained from sockbrokerd.
 *
 * Every function follows the convention of the call it mirrors: it
 * returns a descriptor (or 0) on success and -1 with errno set on
 * failure. Descriptors are always close-on-exec. The library keeps no
 * state of its own about descriptors.
 *
 * The broker is reached at $SOCKBROKER_SOCKET, or at
 * SOCKBROKER_DEFAULT_SOCKET; each request uses a connection of its own,
 * so the library is safe in threads and across fork().
 */
#ifndef SOCKBROKER_SOCKBROKER_H
#define SOCKBROKER_SOCKBROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sockbroker/addr.h>
#include <sockbroker/netinfo.h>
#include <sockbroker/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SB_EXPORT
#define SB_EXPORT __attribute__((visibility("default")))
#endif

#define SOCKBROKER_DEFAULT_SOCKET "/run/sockbroker/sockbroker.sock"

/*
 * socket(2), falling back to the broker. The direct call goes first;
 * only when the kernel refuses it with EPERM or EACCES is the broker
 * asked, for the same family, type and protocol (for AF_PACKET in
 * network byte order, as socket(2) takes it). SOCK_NONBLOCK is honoured,
 * SOCK_CLOEXEC is always set; without SOCK_NONBLOCK the socket gets the
 * default timeout (sb_setdefaulttimeout()). When the broker is absent or
 * refuses, the kernel's errno comes back; sb_broker_message() says why.
 */
SB_EXPORT int sb_socket(int family, int type, int protocol);

/*
 * Asks the broker for the socket a spec describes, created and bound
 * before it is handed over:
 *
 *     FAMILY/TYPE[/PROTOCOL][@ADDRESS]
 *
 * packet/raw/all@eth0, packet/dgram/0x88f7@eth1, inet/raw/icmp,
 * inet6/raw/ipv6-icmp@eth0. FAMILY is inet, inet6, packet, can or
 * bluetooth (bt); TYPE raw, dgram, stream or seqpacket; PROTOCOL a name
 * or number (an EtherType for packet, default "all"; an IP protocol for
 * inet, default 0); ADDRESS an interface name, to which a packet socket
 * is bound and a raw IP socket pinned. CAN and Bluetooth specs may leave
 * TYPE out, and their ADDRESS says what the socket is bound to:
 *
 *     can/raw@IF[,fd]             can/bcm@IF (connected to IF)
 *     can/isotp@IF,RXID,TXID[,fd] can/j1939@IF,NAME,PGN,ADDR
 *     bt/hci@hciN[,raw|user]      bt/hci@monitor
 *     bt/l2cap@hciN[,PSM]         bt/rfcomm@hciN[,CHANNEL]   bt/sco@hciN
 *
 * The descriptor is close-on-exec; flags may add SOCK_NONBLOCK, else the
 * socket gets the default timeout (sb_setdefaulttimeout()).
 */
SB_EXPORT int sb_open(const char *spec, int flags);

/*
 * Link configuration by the broker, as the policy's link= and bitrate=
 * words allow: set a link up or down, or a CAN interface's bitrate
 * (which the kernel accepts only while the link is down). 0, or -1 with
 * errno; sb_broker_message() says why.
 */
SB_EXPORT int sb_link_set_up(const char *ifname, bool up);
SB_EXPORT int sb_link_set_bitrate(const char *ifname, uint32_t bitrate);

/*
 * Has the broker send one HCI command (OGF << 10 | OCF) to controller
 * hciN, as the policy's command= word allows; for commands the kernel
 * lets only privileged processes send, such as LE Set Scan Enable. The
 * events the command causes arrive on the caller's own raw HCI socket,
 * as its filter lets them. Returns the number of bytes of the Command
 * Complete's return parameters (status first; or the Command Status's
 * status byte) copied to ret, or -1 with errno.
 */
SB_EXPORT ssize_t sb_hci_command(unsigned dev, uint16_t opcode, const void *params, size_t n_params,
                                 void *ret, size_t ret_size);

/*
 * Attaches a classic BPF program (SO_ATTACH_FILTER) to a socket. On a
 * packet socket the broker granted under iface= or proto=, whose filter
 * it locked, the kernel refuses that with EPERM; then the broker makes a
 * socket bound as fd is, whose one locked program is its confinement
 * followed by prog (at most 480 instructions), and that socket takes
 * fd's place under the same number. The options the kernel reports, the
 * memberships and a mapped ring (PACKET_RX_RING, at the same address)
 * come along; frames fd had received and not yet read do not.
 * sb_detach_filter() goes back to the bare confinement the same way; on
 * it, as on a socket with no filter, it fails with ENOENT. 0, or -1 with
 * errno; sb_broker_message() says why the broker refused.
 */
struct sock_fprog;
SB_EXPORT int sb_attach_filter(int fd, const struct sock_fprog *prog);
SB_EXPORT int sb_detach_filter(int fd);

/* The broker's explanation of this thread's last request ("denied: no
 * rule allows ..."), or "" when there was none. */
SB_EXPORT const char *sb_broker_message(void);

/* The rule that decided this thread's last request, "file:line", or "". */
SB_EXPORT const char *sb_broker_rule(void);

#ifdef __cplusplus
}
#endif

#endif
