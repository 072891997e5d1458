/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * rules.h - the preload shim's own decisions, pure so that
 * tests/check-preload can go through them. Which bind(2) and
 * setsockopt(2) refusals reach the broker is shared with the socket API
 * mirror (client-lib/broker/refusal.h).
 */
#include <stdbool.h>

/* Whether socket(family, ..., protocol), refused by the kernel with
 * error (EPERM or EACCES), goes to the broker: the families a socket()
 * call alone can describe (IPv4, IPv6, AF_PACKET), with a protocol that
 * fits the request. CAN and Bluetooth sockets need an address the call
 * does not carry; sb_open() and `sockbroker run --spec` serve them. */
bool preload_socket_brokered(int family, int protocol, int error);

/* The errno for SO_ATTACH_FILTER or SO_DETACH_FILTER, refused with error,
 * on a socket whose filter the broker locked (locked_packet: an AF_PACKET
 * socket with SO_LOCK_FILTER set): EPERM for an attach, ENOENT for a
 * detach, which libpcap takes as "nothing to remove" before it filters
 * in user space. 0 when the call is not that case. */
int preload_locked_filter_errno(int level, int name, int error, bool locked_packet);
