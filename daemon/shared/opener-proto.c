/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener-proto.c - exact checks on broker/opener messages. Pure.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/shared/opener-proto.h"
#include "policy/policy.h"

size_t opener_msg_size(enum opener_msg_type type)
{
        switch (type) {
        case OPENER_MSG_OPEN:
        case OPENER_MSG_SPARE:
                return sizeof(struct opener_open);
        case OPENER_MSG_RELOAD:
                return sizeof(struct opener_reload);
        case OPENER_MSG_CLOSE:
                return sizeof(struct opener_close);
        case OPENER_MSG_BIND:
                return sizeof(struct opener_bind);
        case OPENER_MSG_SETOPT:
                return sizeof(struct opener_setopt);
        case OPENER_MSG_LINK:
                return sizeof(struct opener_link);
        case OPENER_MSG_HCI:
                return sizeof(struct opener_hci);
        case OPENER_MSG_HCI_DONE:
                return sizeof(struct opener_hci_done);
        case OPENER_MSG_DONE:
                return sizeof(struct opener_done);
        case OPENER_MSG_RESULT:
                return sizeof(struct opener_result);
        case OPENER_MSG_POLICY:
                return sizeof(struct opener_policy);
        case OPENER_MSG_SPARES:
                return sizeof(struct opener_spares);
        }
        return 0;
}

static bool filter_opcode_known(uint16_t code)
{
        switch (code) {
        case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
        case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
        case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
        case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
        case BPF_ALU | BPF_MOD | BPF_K: case BPF_ALU | BPF_MOD | BPF_X:
        case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
        case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
        case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
        case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
        case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
        case BPF_ALU | BPF_NEG:
        case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
        case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
        case BPF_LD | BPF_W | BPF_LEN: case BPF_LD | BPF_IMM: case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_W | BPF_LEN: case BPF_LDX | BPF_B | BPF_MSH:
        case BPF_LDX | BPF_IMM: case BPF_LDX | BPF_MEM:
        case BPF_ST: case BPF_STX:
        case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
        case BPF_RET | BPF_K: case BPF_RET | BPF_A:
        case BPF_JMP | BPF_JA:
        case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
        case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
        case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
        case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
                return true;
        }
        return false;
}

_Static_assert(OPENER_MAX_FILTER == 480, "the reason below names the bound");

const char *opener_filter_check(const struct sock_filter *filter, size_t n)
{
        if (n == 0 || n > OPENER_MAX_FILTER)
                return "a filter has 1 to 480 instructions";
        for (size_t pc = 0; pc < n; pc++) {
                const struct sock_filter *f = &filter[pc];
                size_t left = n - pc - 1;       /* instructions after this one */

                if (!filter_opcode_known(f->code))
                        return "a filter instruction has an unknown opcode";
                switch (f->code) {
                case BPF_ALU | BPF_DIV | BPF_K:
                case BPF_ALU | BPF_MOD | BPF_K:
                        if (f->k == 0)
                                return "a filter divides by a constant zero";
                        break;
                case BPF_LD | BPF_MEM:
                case BPF_LDX | BPF_MEM:
                case BPF_ST:
                case BPF_STX:
                        if (f->k >= BPF_MEMWORDS)
                                return "a filter uses scratch memory beyond M[15]";
                        break;
                case BPF_JMP | BPF_JA:
                        if (f->k >= left)
                                return "a filter jumps past its end";
                        break;
                default:
                        if (BPF_CLASS(f->code) == BPF_JMP && (f->jt >= left || f->jf >= left))
                                return "a filter jumps past its end";
                        break;
                }
        }
        if (BPF_CLASS(filter[n - 1].code) != BPF_RET)
                return "a filter does not end with a return";
        return NULL;
}

static size_t expected_fds(enum opener_msg_type type, const void *buf)
{
        switch (type) {
        case OPENER_MSG_OPEN:
        case OPENER_MSG_SPARE:
                return (((const struct opener_open *)buf)->flags & OPENER_OPEN_CLIENT_NETNS) ? 1 : 0;
        case OPENER_MSG_LINK:
                return (((const struct opener_link *)buf)->flags & OPENER_OPEN_CLIENT_NETNS) ? 1 : 0;
        case OPENER_MSG_RELOAD:
        case OPENER_MSG_DONE:
        case OPENER_MSG_HCI:
        case OPENER_MSG_HCI_DONE:
                return 0;
        case OPENER_MSG_CLOSE:
        case OPENER_MSG_BIND:
        case OPENER_MSG_SETOPT:
                return 1;
        case OPENER_MSG_RESULT:
                return ((const struct opener_result *)buf)->error == 0 ? 1 : 0;
        case OPENER_MSG_POLICY:
                return ((const struct opener_policy *)buf)->error == 0 ? 1 : 0;
        case OPENER_MSG_SPARES:
                return ((const struct opener_spares *)buf)->count;
        }
        return 0;
}

int opener_msg_check(const void *buf, size_t len, size_t n_fds)
{
        struct opener_hdr hdr;
        enum opener_msg_type type;
        size_t size;

        if (len < sizeof(hdr))
                return -EBADMSG;
        memcpy(&hdr, buf, sizeof(hdr));
        if (hdr.version != OPENER_PROTO_VERSION)
                return -EBADMSG;

        type = (enum opener_msg_type)hdr.type;
        size = opener_msg_size(type);
        if (size == 0)
                return -EBADRQC;
        /* An OPEN's filter follows it; its length is read once the
         * struct is known to be there. */
        if (type == OPENER_MSG_OPEN && len >= size) {
                const struct opener_open *m = buf;

                if (m->filter_len > OPENER_MAX_FILTER)
                        return -EBADMSG;
                size += (size_t)m->filter_len * sizeof(struct sock_filter);
        }
        if (len != size)
                return -EBADMSG;
        /* The buffer now holds a complete struct of this type. */
        if (n_fds != expected_fds(type, buf))
                return -EBADF;

        switch (type) {
        case OPENER_MSG_SPARE:
        case OPENER_MSG_OPEN: {
                const struct opener_open *m = buf;

                if (memchr(m->ifname, 0, sizeof(m->ifname)) == NULL || m->reserved != 0)
                        return -EBADMSG;
                /* A filter goes on a packet socket only, and checks out. */
                if (m->filter_len != 0 &&
                    (type != OPENER_MSG_OPEN || m->family != AF_PACKET ||
                     opener_filter_check(((const struct opener_open_filter *)buf)->filter,
                                         m->filter_len) != NULL))
                        return -EBADMSG;
                /* Spares are raw IP sockets: what an OPEN of these
                 * fields makes depends on nothing else, no address and no
                 * client. */
                if (type == OPENER_MSG_OPEN ? m->count != 1
                                            : m->count < 1 || m->count > OPENER_MAX_SPARES ||
                                              (m->family != AF_INET && m->family != AF_INET6) ||
                                              m->addr_flags != 0)
                        return -EBADMSG;
                if (m->flags & ~(uint32_t)(OPENER_OPEN_NONBLOCK | OPENER_OPEN_CLIENT_NETNS))
                        return -EBADMSG;
                if (m->addr_flags & ~(uint32_t)_OPENER_ADDR_ALL)
                        return -EBADMSG;
                /* No wider than the kernel's address fields they go to,
                 * the bounds the broker's decoder applies to its clients
                 * (proto/protocol.c): 0xffff is HCI_DEV_NONE. */
                if (((m->addr_flags & OPENER_ADDR_DEV) && m->dev > 0xfffe) ||
                    ((m->addr_flags & OPENER_ADDR_CHANNEL) && m->channel > 0xffff) ||
                    ((m->addr_flags & OPENER_ADDR_PSM) && m->psm > 0xffff) ||
                    ((m->addr_flags & OPENER_ADDR_J1939) &&
                     (m->j1939_addr > 0xff || m->j1939_pgn > OPENER_J1939_NO_PGN)))
                        return -EBADMSG;
                /* A field its flag does not set is zero, as the broker's
                 * memset() leaves it, so that it cannot reach a socket
                 * unchecked. */
                if ((!(m->addr_flags & OPENER_ADDR_CAN_IDS) && (m->rx_id || m->tx_id)) ||
                    (!(m->addr_flags & OPENER_ADDR_J1939) &&
                     (m->j1939_name || m->j1939_pgn || m->j1939_addr)) ||
                    (!(m->addr_flags & OPENER_ADDR_DEV) && m->dev) ||
                    (!(m->addr_flags & OPENER_ADDR_CHANNEL) && m->channel) ||
                    (!(m->addr_flags & OPENER_ADDR_PSM) && m->psm))
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_LINK: {
                const struct opener_link *m = buf;

                if (m->ifname[0] == 0 || memchr(m->ifname, 0, sizeof(m->ifname)) == NULL ||
                    m->flags & ~(uint32_t)OPENER_OPEN_CLIENT_NETNS || m->reserved != 0)
                        return -EBADMSG;
                if (!opener_link_op_to_policy(m->op, &(int){ 0 }))
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_HCI: {
                const struct opener_hci *m = buf;

                if (m->dev > 0xfffe || m->opcode > 0xffff || m->n_params > OPENER_HCI_MAX_PARAMS)
                        return -EBADMSG;
                for (size_t i = m->n_params; i < sizeof(m->params); i++)
                        if (m->params[i])
                                return -EBADMSG;
                break;
        }
        case OPENER_MSG_HCI_DONE: {
                const struct opener_hci_done *m = buf;

                if (m->error < 0 || m->error > 4095 || m->stage >= _OPENER_STAGE_MAX ||
                    m->n_data > OPENER_HCI_MAX_PARAMS)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_BIND: {
                const struct opener_bind *m = buf;

                if ((m->family != AF_INET && m->family != AF_INET6 && m->family != AF_BLUETOOTH) ||
                    m->port > 0xffff || m->reserved != 0)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_SETOPT: {
                const struct opener_setopt *m = buf;

                if (!opener_sockopt_to_policy(m->option, &(int){ 0 }) || m->reserved != 0 || memchr(m->ifname, 0, sizeof(m->ifname)) == NULL)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_SPARES: {
                const struct opener_spares *m = buf;

                if (m->error < 0 || m->error > 4095 || m->stage >= _OPENER_STAGE_MAX ||
                    m->reserved != 0 || (m->error == 0) != (m->count != 0) ||
                    m->count > OPENER_MAX_SPARES)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_RESULT: {
                const struct opener_result *m = buf;

                if (m->error < 0 || m->error > 4095 || m->stage >= _OPENER_STAGE_MAX)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_DONE: {
                const struct opener_done *m = buf;

                if (m->error < 0 || m->error > 4095 || m->stage >= _OPENER_STAGE_MAX)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_POLICY: {
                const struct opener_policy *m = buf;

                if (memchr(m->message, 0, sizeof(m->message)) == NULL)
                        return -EBADMSG;
                if (m->error < 0 || m->error > 4095 || m->size > OPENER_MAX_POLICY_IMAGE)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_RELOAD:
        case OPENER_MSG_CLOSE:
                break;
        }
        return (int)type;
}

bool opener_sockopt_to_policy(uint32_t option, int *ret)
{
        switch ((enum opener_sockopt)option) {
        case OPENER_SOCKOPT_MARK:
                *ret = POLICY_SOCKOPT_MARK;
                return true;
        case OPENER_SOCKOPT_PRIORITY:
                *ret = POLICY_SOCKOPT_PRIORITY;
                return true;
        case OPENER_SOCKOPT_RCVBUFFORCE:
                *ret = POLICY_SOCKOPT_RCVBUFFORCE;
                return true;
        case OPENER_SOCKOPT_SNDBUFFORCE:
                *ret = POLICY_SOCKOPT_SNDBUFFORCE;
                return true;
        case OPENER_SOCKOPT_BINDTODEVICE:
                *ret = POLICY_SOCKOPT_BINDTODEVICE;
                return true;
        }
        return false;
}

bool opener_link_op_to_policy(uint32_t op, int *ret)
{
        switch ((enum opener_link_op)op) {
        case OPENER_LINK_UP:
                *ret = POLICY_LINK_UP;
                return true;
        case OPENER_LINK_DOWN:
                *ret = POLICY_LINK_DOWN;
                return true;
        case OPENER_LINK_BITRATE:
                *ret = POLICY_LINK_BITRATE;
                return true;
        }
        return false;
}

void opener_open_get_request(const struct opener_open *m, struct policy_request *req)
{
        *req = (struct policy_request) {
                .op = POLICY_OP_OPEN,
                .family = m->family,
                .type = m->type,
                .protocol = m->protocol,
                .ifname = m->ifname[0] ? m->ifname : NULL,
                .can_fd = m->addr_flags & OPENER_ADDR_CAN_FD,
        };
        /* Only what the flags set: a handler may read a field whose
         * has_ flag is false, and then finds zero. */
        if (m->addr_flags & OPENER_ADDR_CAN_IDS) {
                req->has_can_ids = true;
                req->rx_id = m->rx_id;
                req->tx_id = m->tx_id;
        }
        if (m->addr_flags & OPENER_ADDR_J1939) {
                req->has_j1939 = true;
                req->j1939_name = m->j1939_name;
                req->j1939_pgn = m->j1939_pgn;
                req->j1939_addr = m->j1939_addr;
        }
        if (m->addr_flags & OPENER_ADDR_DEV) {
                req->has_dev = true;
                req->dev = m->dev;
        }
        if (m->addr_flags & OPENER_ADDR_CHANNEL) {
                req->has_channel = true;
                req->channel = m->channel;
        }
        if (m->addr_flags & OPENER_ADDR_PSM) {
                req->has_port = true;
                req->port = m->psm;
        }
}
