/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * refilter.h - a program's own filter on a packet socket the broker
 * confined.
 *
 * sockbrokerd locks its confinement filter on a packet socket granted
 * under iface= or proto= (SO_LOCK_FILTER), so the program's own
 * SO_ATTACH_FILTER fails with EPERM. Instead, the broker makes a new
 * socket, bound as the old one is, whose one locked program is the
 * confinement followed by the program's, and the new socket takes the
 * old one's place under the same number. libsockbroker
 * (sb_attach_filter()), the preload shim and the seccomp supervisor
 * share this code.
 */
#pragma once

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <stdbool.h>
#include <stddef.h>

#include "client-lib/broker/placeholder.h"
#include "client-lib/broker/spec.h"

/* Whether fd is a packet socket whose filter is locked: one sockbrokerd
 * attached. */
bool sb_refilter_locked(int fd);

/*
 * Whether the locked program prog (n instructions, from SO_GET_FILTER)
 * runs a program of the client's after the confinement, as the opener
 * composes it (daemon/opener/opener.c attach_filter()); false for the
 * bare confinement. Pure.
 */
bool sb_refilter_has_own(const struct sock_filter *prog, size_t n);

/* Whether fd's locked program runs one of the client's: 1, 0 for the
 * bare confinement, or -errno when it cannot be read (SO_GET_FILTER). */
int sb_refilter_fd_has_own(int fd);

/*
 * A new socket from the broker in place of the packet socket fd: of
 * fd's type, bound to fd's interface and protocol, with filter (n
 * instructions; none for the bare confinement) after the confinement.
 * What the program set on fd comes along: the SOL_PACKET options the
 * kernel reports (version, reserve, auxdata, origdev, vnet header,
 * timestamps, qdisc bypass, loss, outgoing), the SOL_SOCKET options of
 * sb_refilter_options, and the memberships (PACKET_ADD_MEMBERSHIP),
 * which sock_diag reports. A ring (PACKET_RX_RING, PACKET_TX_RING) is
 * set up alike; with move_ring, its mapping in this process is replaced
 * in place by the new socket's (MAP_FIXED), and without it, a socket
 * with a ring is refused with -EBUSY, as is one whose state sock_diag
 * cannot see (another network namespace's).
 *
 * Returns the new descriptor, close-on-exec, non-blocking as fd is; the
 * caller puts it in fd's place (dup3(), SECCOMP_ADDFD_FLAG_SETFD).
 * Otherwise -errno: the broker's refusal, or the reason in why.
 */
int sb_refilter_open(int fd, const struct sock_filter *filter, size_t n, bool move_ring,
                     char *why, size_t why_size);

/* sb_refilter_open() with move_ring, and the new socket put in fd's
 * place under the same number (dup3(), close-on-exec as fd was). Returns
 * 0 or -errno, as sb_refilter_open(). */
int sb_refilter_replace(int fd, const struct sock_filter *filter, size_t n, char *why,
                        size_t why_size);

/* The SOL_SOCKET options carried to a replacing socket when they differ
 * from a fresh socket's. */
extern const int sb_refilter_options[];
extern const size_t sb_refilter_n_options;

/*
 * Placeholders (client-lib/broker/placeholder.h). sb_placeholder_new()
 * makes one for a socket of spec (packet, CAN or Bluetooth) and
 * socket()'s type (for its SOCK_NONBLOCK): an AF_UNIX datagram socket,
 * which takes the interface ioctls (SIOCGIFINDEX, SIOCGIFHWADDR) that come
 * before bind() and SOL_SOCKET options, shut down both ways, so a program
 * that reads it without binding it ends at once rather than waits
 * forever; entered in t with the "allowed on:" list of the broker's last
 * refusal. Returns its descriptor, close-on-exec, or -errno: -EPERM when
 * that refusal names no address the user may have such a socket on.
 */
int sb_placeholder_new(struct sb_placeholders *t, const struct sb_spec *spec, int type);

/* The placeholder fd is, or NULL. */
struct sb_placeholder *sb_placeholder_of(struct sb_placeholders *t, int fd);

/*
 * At bind(fd, ll) of placeholder p: the broker's packet socket on the
 * interface ll names, with the program's filter on the placeholder
 * after the confinement and what it set on the placeholder replayed.
 * call gets "bind(SPEC)" for messages. Returns the new descriptor, or
 * -errno: -EPERM for every interface (ifindex 0) and -ENODEV for none,
 * or a replay that failed, each with the reason in why; the broker's
 * refusal with why empty (sb_broker_message() says it).
 */
int sb_placeholder_open(const struct sb_placeholder *p, int fd, const struct sockaddr_ll *ll,
                        char *call, size_t call_size, char *why, size_t why_size);

/*
 * The broker's socket of spec in place of fd: placeholder p's, with what
 * the program set on the placeholder, or, with p NULL, a socket of spec's
 * family the program made itself, whose SOL_SOCKET options it carries.
 * Returns the new descriptor, or -errno: a replay that failed with the
 * reason in why, or the broker's refusal with why empty.
 */
int sb_placeholder_open_spec(const struct sb_placeholder *p, int fd, const struct sb_spec *spec,
                             char *why, size_t why_size);
