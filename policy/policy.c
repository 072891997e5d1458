/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.c - what the readers of a compiled policy share with its
 * compiler: the families and sockets the language knows, the checks on
 * its words that the importer repeats, and the text formats of errors
 * and requests. The parser is policy-compile.c.
 */
#include <assert.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/names.h"
#include "common/util.h"
#include "policy/policy-internal.h"

const int policy_families[POLICY_N_FAMILIES] = {
        AF_INET, AF_INET6, AF_PACKET, AF_CAN, AF_BLUETOOTH,
};

int policy_family_index(int family)
{
        for (size_t i = 0; i < ELEMENTSOF(policy_families); i++)
                if (policy_families[i] == family)
                        return (int)i;
        return -1;
}

bool policy_family_is_valid(int family)
{
        return policy_family_index(family) >= 0;
}

/* The socket types a rule can name, and which families take them.
 * family 0 (any) takes any of them. */
bool policy_type_is_valid(int family, int type)
{
        switch (type) {
        case SOCK_RAW:
        case SOCK_DGRAM:
                return true;
        case SOCK_STREAM:
        case SOCK_SEQPACKET:
                return family != AF_PACKET && family != AF_CAN;
        default:
                return false;
        }
}

bool policy_family_has_ports(int family)
{
        return family == AF_INET || family == AF_INET6 || family == AF_BLUETOOTH;
}

/* SO_MARK is a u32; SO_PRIORITY and the buffer sizes are ints the kernel
 * takes as non-negative. */
const struct policy_sockopt_info policy_sockopts[_POLICY_SOCKOPT_MAX] = {
        [POLICY_SOCKOPT_NONE]           = { NULL,               false, { 0, 0 } },
        [POLICY_SOCKOPT_MARK]           = { "mark",             true,  { 0, UINT32_MAX } },
        [POLICY_SOCKOPT_PRIORITY]       = { "priority",         true,  { 0, INT32_MAX } },
        [POLICY_SOCKOPT_RCVBUFFORCE]    = { "rcvbufforce",      true,  { 0, INT32_MAX } },
        [POLICY_SOCKOPT_SNDBUFFORCE]    = { "sndbufforce",      true,  { 0, INT32_MAX } },
        [POLICY_SOCKOPT_BINDTODEVICE]   = { "bindtodevice",     false, { 0, 0 } },
};

/* Linux' dev_valid_name(), plus fnmatch(3) metacharacters, which are
 * printable anyway. ',' cannot come out of a comma list. */
const char *policy_iface_glob_check(const char *s)
{
        size_t n = strlen(s);

        if (n == 0)
                return "empty";
        if (n >= IFNAMSIZ)
                return "longer than 15 characters";
        if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return "not an interface name";
        for (const char *c = s; *c; c++) {
                unsigned char u = (unsigned char)*c;

                if (u <= ' ' || u >= 0x7f)
                        return "contains whitespace or a byte that is not printable ASCII";
                if (u == '/' || u == ':' || u == ',')
                        return "contains '/', ':' or ','";
        }
        return NULL;
}

/* systemd's unit name characters; the type suffix is not checked against
 * a list, so new unit types need no new sockbroker. */
const char *policy_unit_check(const char *s)
{
        size_t n = strlen(s);
        const char *dot;

        if (n == 0)
                return "empty";
        if (n >= POLICY_MAX_STRING)
                return "too long";
        if (strspn(s, "abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789:-_.\\@") != n)
                return "contains a character not valid in a unit name";
        dot = strrchr(s, '.');
        if (!dot || dot == s || dot[1] == '\0')
                return "has no type suffix, like .service";
        return NULL;
}

/* An absolute, normalised cgroup path: no empty, "." or ".." components
 * and no trailing '/', so a prefix match on '/' boundaries means what it
 * says. */
const char *policy_cgroup_check(const char *s)
{
        size_t n = strlen(s);

        if (s[0] != '/')
                return "does not start with '/'";
        if (n >= POLICY_MAX_STRING)
                return "too long";
        for (const char *c = s; *c; c++)
                if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
                        return "contains whitespace or a byte that is not printable ASCII";
        if (n == 1)
                return NULL;
        for (const char *c = s; *c; ) {
                size_t len;

                c++;                    /* skip the '/' */
                len = strcspn(c, "/");
                if (len == 0)
                        return "has an empty component or a trailing '/'";
                if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
                        return "has a '.' or '..' component";
                c += len;
        }
        return NULL;
}

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
