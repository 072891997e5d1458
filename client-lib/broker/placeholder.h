/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * placeholder.h - the table of placeholder sockets. Pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Placeholders. A program names the interface of a packet socket only
 * when it binds it, after socket(). When the broker grants no unbound
 * packet socket, the seccomp supervisor and the preload shim return a
 * placeholder (an AF_UNIX socket) from socket(), hold the SOL_PACKET
 * options the program sets on it, and at bind() ask the broker for the
 * socket on the interface named, which takes the placeholder's number
 * (client-lib/broker/refilter.h). The supervisor does the same for a CAN
 * socket, whose interface the program names at its SIOCGIFINDEX ioctl,
 * and for an HCI socket, whose controller and channel bind() names. The
 * table knows each placeholder by its socket inode; it is bounded, and
 * the oldest entry gives way (its program gets EPERM at bind, as without
 * the broker).
 */
#define SB_MAX_PLACEHOLDERS 64
#define SB_MAX_HELD_OPTIONS 16
#define SB_MAX_OPTION_LEN 64    /* struct tpacket_req3 is 28, packet_mreq 16 */

struct sb_held_option {
        int name;
        uint32_t len;
        unsigned char value[SB_MAX_OPTION_LEN];
};

struct sb_placeholder {
        bool used;
        uint64_t dev, ino;      /* the placeholder socket's identity */
        uint64_t seq;           /* age, for eviction */
        int family;             /* AF_PACKET, AF_CAN or AF_BLUETOOTH */
        int type;               /* socket()'s, without SOCK_NONBLOCK and SOCK_CLOEXEC */
        uint16_t protocol;      /* socket()'s: an EtherType in host order for AF_PACKET */
        char allowed_on[128];   /* the broker's "allowed on:" list, for messages */
        unsigned n_options;
        struct sb_held_option options[SB_MAX_HELD_OPTIONS];
};

struct sb_placeholders {
        uint64_t next_seq;
        struct sb_placeholder slot[SB_MAX_PLACEHOLDERS];
};

/* A new entry for the socket (dev, ino), in a free slot or in place of
 * the oldest. Never fails. */
struct sb_placeholder *sb_placeholder_add(struct sb_placeholders *t, uint64_t dev, uint64_t ino,
                                          int family, int type, uint16_t protocol);
/* The entry of socket (dev, ino), or NULL. */
struct sb_placeholder *sb_placeholder_find(struct sb_placeholders *t, uint64_t dev, uint64_t ino);
void sb_placeholder_remove(struct sb_placeholder *p);

/* Whether a SOL_PACKET option of len bytes can be held and replayed:
 * those whose value is plain data (no pointer into the program's memory,
 * as PACKET_FANOUT_DATA has) and that an unbound socket takes. */
bool sb_packet_option_holdable(int name, uint32_t len);

/* Holds a SOL_PACKET option for replay. Returns 0, -EMSGSIZE for a value
 * longer than SB_MAX_OPTION_LEN, -ENOBUFS past SB_MAX_HELD_OPTIONS. */
int sb_placeholder_hold(struct sb_placeholder *p, int name, const void *value, uint32_t len);
