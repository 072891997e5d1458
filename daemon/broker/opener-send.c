/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener-send.c - the broker's side of the opener's vocabulary: a request
 * in the wire's own constants, and the opener's stages in words for the
 * log. The opener reads these messages (daemon/shared/opener-proto.c) but
 * never writes them, so it does not link this.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon/broker/opener-send.h"
#include "policy/policy.h"

enum opener_sockopt opener_sockopt_from_policy(int sockopt)
{
        switch ((enum policy_sockopt)sockopt) {
        case POLICY_SOCKOPT_MARK:
                return OPENER_SOCKOPT_MARK;
        case POLICY_SOCKOPT_PRIORITY:
                return OPENER_SOCKOPT_PRIORITY;
        case POLICY_SOCKOPT_RCVBUFFORCE:
                return OPENER_SOCKOPT_RCVBUFFORCE;
        case POLICY_SOCKOPT_SNDBUFFORCE:
                return OPENER_SOCKOPT_SNDBUFFORCE;
        case POLICY_SOCKOPT_BINDTODEVICE:
                return OPENER_SOCKOPT_BINDTODEVICE;
        case POLICY_SOCKOPT_NONE:
        case _POLICY_SOCKOPT_MAX:
                break;
        }
        return 0;
}

enum opener_link_op opener_link_op_from_policy(int op)
{
        switch ((enum policy_link_op)op) {
        case POLICY_LINK_UP:
                return OPENER_LINK_UP;
        case POLICY_LINK_DOWN:
                return OPENER_LINK_DOWN;
        case POLICY_LINK_BITRATE:
                return OPENER_LINK_BITRATE;
        }
        return 0;
}

const char *opener_stage_to_string(enum opener_stage stage)
{
        switch (stage) {
        case OPENER_STAGE_NONE:
                return "none";
        case OPENER_STAGE_CREATE:
                return "create";
        case OPENER_STAGE_INTERFACE:
                return "interface";
        case OPENER_STAGE_BIND:
                return "bind";
        case OPENER_STAGE_PIN:
                return "pin";
        case OPENER_STAGE_FILTER:
                return "filter";
        case OPENER_STAGE_SETOPT:
                return "setsockopt";
        case OPENER_STAGE_NETNS:
                return "netns";
        case OPENER_STAGE_LINK:
                return "link";
        case OPENER_STAGE_DEVICE:
                return "device";
        case _OPENER_STAGE_MAX:
                break;
        }
        return "unknown";
}

void opener_open_set_request(struct opener_open *m, const struct policy_request *req)
{
        m->count = 1;
        m->family = req->family;
        m->type = req->type;
        m->protocol = req->protocol;
        memset(m->ifname, 0, sizeof(m->ifname));
        if (req->ifname)
                snprintf(m->ifname, sizeof(m->ifname), "%s", req->ifname);
        if (req->has_can_ids) {
                m->addr_flags |= OPENER_ADDR_CAN_IDS;
                m->rx_id = req->rx_id;
                m->tx_id = req->tx_id;
        }
        if (req->has_j1939) {
                m->addr_flags |= OPENER_ADDR_J1939;
                m->j1939_name = req->j1939_name;
                m->j1939_pgn = req->j1939_pgn;
                m->j1939_addr = req->j1939_addr;
        }
        if (req->can_fd)
                m->addr_flags |= OPENER_ADDR_CAN_FD;
        if (req->has_dev) {
                m->addr_flags |= OPENER_ADDR_DEV;
                m->dev = req->dev;
        }
        if (req->has_channel) {
                m->addr_flags |= OPENER_ADDR_CHANNEL;
                m->channel = req->channel;
        }
        if (req->has_port) {
                m->addr_flags |= OPENER_ADDR_PSM;
                m->psm = req->port;
        }
}
