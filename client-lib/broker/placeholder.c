/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * placeholder.c - the table of placeholder sockets
 * (client-lib/broker/placeholder.h). Pure.
 */
#include "config.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>

#include "client-lib/broker/placeholder.h"

struct sb_placeholder *sb_placeholder_add(struct sb_placeholders *t, uint64_t dev, uint64_t ino,
                                          int family, int type, uint16_t protocol)
{
        struct sb_placeholder *p = &t->slot[0];

        for (size_t i = 0; i < SB_MAX_PLACEHOLDERS; i++) {
                if (!t->slot[i].used) {
                        p = &t->slot[i];
                        break;
                }
                if (t->slot[i].seq < p->seq)
                        p = &t->slot[i];
        }
        *p = (struct sb_placeholder) {
                .used = true, .dev = dev, .ino = ino, .seq = t->next_seq++,
                .family = family, .type = type, .protocol = protocol,
        };
        return p;
}

struct sb_placeholder *sb_placeholder_find(struct sb_placeholders *t, uint64_t dev, uint64_t ino)
{
        for (size_t i = 0; i < SB_MAX_PLACEHOLDERS; i++)
                if (t->slot[i].used && t->slot[i].dev == dev && t->slot[i].ino == ino)
                        return &t->slot[i];
        return NULL;
}

void sb_placeholder_remove(struct sb_placeholder *p)
{
        p->used = false;
}

int sb_placeholder_hold(struct sb_placeholder *p, int name, const void *value, uint32_t len)
{
        struct sb_held_option *o;

        if (len > SB_MAX_OPTION_LEN)
                return -EMSGSIZE;
        if (p->n_options == SB_MAX_HELD_OPTIONS)
                return -ENOBUFS;
        o = &p->options[p->n_options++];
        o->name = name;
        o->len = len;
        if (len > 0)
                memcpy(o->value, value, len);
        return 0;
}

bool sb_packet_option_holdable(int name, uint32_t len)
{
        switch (name) {
        case PACKET_ADD_MEMBERSHIP:
        case PACKET_DROP_MEMBERSHIP:
        case PACKET_RX_RING:
        case PACKET_TX_RING:
        case PACKET_VERSION:
        case PACKET_RESERVE:
        case PACKET_AUXDATA:
        case PACKET_ORIGDEV:
        case PACKET_LOSS:
        case PACKET_TIMESTAMP:
        case PACKET_VNET_HDR:
        case PACKET_COPY_THRESH:
        case PACKET_QDISC_BYPASS:
        case PACKET_IGNORE_OUTGOING:
                return len <= SB_MAX_OPTION_LEN;
        default:
                return false;
        }
}
