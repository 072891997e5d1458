/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-format.c - the text formats of the policy: a compiler error as
 * "file:line:col: message", a request in words for the log and for
 * refusals. The broker, the tool and the compiler format; the opener,
 * which only ever refuses to go on, does not link this.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/names.h"
#include "common/util.h"
#include "policy/policy-compile.h"
#include "policy/policy-internal.h"

/* Appends to a fixed buffer; remembers truncation instead of failing. */
struct text_buf {
        char *buf;
        size_t size;
        size_t len;
        bool truncated;
};

_printf_(2, 3)
static void text_buf_printf(struct text_buf *t, const char *fmt, ...)
{
        va_list ap;
        size_t left = t->len < t->size ? t->size - t->len : 0;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(t->buf + t->len, left, fmt, ap);
        va_end(ap);

        if (n < 0 || (size_t)n >= left) {
                t->truncated = true;
                t->len = t->size > 0 ? t->size - 1 : 0;
        } else {
                t->len += (size_t)n;
        }
}

int policy_error_format(const struct policy_error *e, char *buf, size_t size)
{
        struct text_buf t = { .buf = buf, .size = size };

        if (!e || !buf || size == 0)
                return -ENOBUFS;
        buf[0] = '\0';

        if (e->file[0] != '\0') {
                text_buf_printf(&t, "%.*s", (int)sizeof(e->file), e->file);
                if (e->line > 0) {
                        text_buf_printf(&t, ":%u", e->line);
                        if (e->col > 0)
                                text_buf_printf(&t, ":%u", e->col);
                }
                text_buf_printf(&t, ": ");
        }
        text_buf_printf(&t, "%.*s", (int)sizeof(e->message), e->message);

        return t.truncated ? -ENOBUFS : 0;
}

/* The interface name comes from the client: escape it so a message
 * cannot be made to look like something else. */
static void text_buf_ifname(struct text_buf *t, const char *ifname)
{
        for (const char *c = ifname; *c; c++) {
                unsigned char u = (unsigned char)*c;

                if (u > ' ' && u < 0x7f && u != '\\')
                        text_buf_printf(t, "%c", u);
                else
                        text_buf_printf(t, "\\x%02x", u);
        }
}

/* "family/type/protocol", numbers for what has no name. */
static void text_buf_socket(struct text_buf *t, const struct policy_request *req)
{
        const char *family, *type;
        char protocol[32];

        family = names_family_to_string(req->family);
        if (family)
                text_buf_printf(t, "%s/", family);
        else
                text_buf_printf(t, "%d/", req->family);

        type = names_type_to_string(req->type);
        if (type)
                text_buf_printf(t, "%s/", type);
        else
                text_buf_printf(t, "%d/", req->type);

        if (names_protocol_to_string(req->family, req->protocol, protocol, sizeof(protocol)) < 0)
                (void)snprintf(protocol, sizeof(protocol), "%" PRIu32, req->protocol);
        text_buf_printf(t, "%s", protocol);
}

const struct policy_mask_name policy_hci_channel_names[POLICY_N_HCI_CHANNELS] = {
        { "raw",        1u << POLICY_HCI_CHANNEL_RAW },
        { "user",       1u << POLICY_HCI_CHANNEL_USER },
        { "monitor",    1u << POLICY_HCI_CHANNEL_MONITOR },
        { "control",    1u << POLICY_HCI_CHANNEL_CONTROL },
};

static const char *hci_channel_name(uint32_t channel)
{
        for (size_t i = 0; i < POLICY_N_HCI_CHANNELS; i++)
                if (channel < 32 && policy_hci_channel_names[i].bit == 1u << channel)
                        return policy_hci_channel_names[i].name;
        return NULL;
}

/* The address parts of an OPEN: what the socket is bound to. */
static void text_buf_open_address(struct text_buf *t, const struct policy_request *req)
{
        bool bt = req->family == AF_BLUETOOTH;

        if (req->has_port)
                text_buf_printf(t, bt ? " psm=0x%04" PRIx32 : " port=%" PRIu32, req->port);
        if (req->has_channel) {
                const char *name = bt && req->protocol == POLICY_BTPROTO_HCI
                                           ? hci_channel_name(req->channel) : NULL;

                if (name)
                        text_buf_printf(t, " channel=%s", name);
                else
                        text_buf_printf(t, " channel=%" PRIu32, req->channel);
        }
        if (req->has_dev)
                text_buf_printf(t, " dev=%" PRIu32, req->dev);
        if (req->has_can_ids)
                text_buf_printf(t, " rx=0x%" PRIx32 " tx=0x%" PRIx32, req->rx_id, req->tx_id);
        if (req->has_j1939)
                text_buf_printf(t, " name=0x%" PRIx64 " pgn=0x%" PRIx32 " addr=0x%" PRIx32,
                                req->j1939_name, req->j1939_pgn, req->j1939_addr);
        if (req->can_fd)
                text_buf_printf(t, " fd=yes");
}

int policy_request_format(const struct policy_request *req, char *buf, size_t size)
{
        struct text_buf t = { .buf = buf, .size = size };

        if (!req || !buf || size == 0)
                return -ENOBUFS;
        buf[0] = '\0';

        if ((unsigned)req->op > POLICY_OP_STATUS) {
                text_buf_printf(&t, "op-%d", (int)req->op);
                return t.truncated ? -ENOBUFS : 0;
        }
        switch (req->op) {
        case POLICY_OP_OPEN:
                text_buf_socket(&t, req);
                if (req->ifname) {
                        text_buf_printf(&t, "@");
                        text_buf_ifname(&t, req->ifname);
                }
                text_buf_open_address(&t, req);
                break;
        case POLICY_OP_BIND:
                text_buf_printf(&t, "bind ");
                text_buf_socket(&t, req);
                if (req->family == AF_BLUETOOTH)
                        text_buf_printf(&t, " psm 0x%04" PRIx32, req->port);
                else
                        text_buf_printf(&t, " port %" PRIu32, req->port);
                break;
        case POLICY_OP_SETOPT:
                text_buf_printf(&t, "setopt ");
                text_buf_socket(&t, req);
                if (req->sockopt == POLICY_SOCKOPT_BINDTODEVICE) {
                        text_buf_printf(&t, " bindtodevice=");
                        if (req->ifname)
                                text_buf_ifname(&t, req->ifname);
                } else if ((unsigned)req->sockopt < _POLICY_SOCKOPT_MAX &&
                           policy_sockopts[req->sockopt].name) {
                        text_buf_printf(&t, " %s=%" PRIu64, policy_sockopts[req->sockopt].name,
                                        req->value);
                } else {
                        text_buf_printf(&t, " option-%d=%" PRIu64, (int)req->sockopt, req->value);
                }
                break;
        case POLICY_OP_LINK:
                text_buf_printf(&t, "link ");
                if (req->ifname)
                        text_buf_ifname(&t, req->ifname);
                else
                        text_buf_printf(&t, "-");
                switch ((unsigned)req->link_op) {
                case POLICY_LINK_UP:
                        text_buf_printf(&t, " up");
                        break;
                case POLICY_LINK_DOWN:
                        text_buf_printf(&t, " down");
                        break;
                case POLICY_LINK_BITRATE:
                        text_buf_printf(&t, " bitrate %" PRIu32, req->bitrate);
                        break;
                default:
                        text_buf_printf(&t, " op-0x%x", (unsigned)req->link_op);
                        break;
                }
                break;
        case POLICY_OP_HCI_COMMAND:
                text_buf_printf(&t, "hci-command hci%" PRIu32 " opcode 0x%04" PRIx32, req->dev,
                                req->opcode);
                break;
        case POLICY_OP_STATUS:
                text_buf_printf(&t, "status");
                break;
        }

        return t.truncated ? -ENOBUFS : 0;
}
