/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener-proto.c - exact checks on broker/opener messages. Pure.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/opener-proto.h"
#include "policy/policy.h"

size_t opener_msg_size(enum opener_msg_type type)
{
        switch (type) {
        case OPENER_MSG_OPEN:
                return sizeof(struct opener_open);
        case OPENER_MSG_RELOAD:
                return sizeof(struct opener_reload);
        case OPENER_MSG_CLOSE:
                return sizeof(struct opener_close);
        case OPENER_MSG_BIND:
                return sizeof(struct opener_bind);
        case OPENER_MSG_SETOPT:
                return sizeof(struct opener_setopt);
        case OPENER_MSG_DONE:
                return sizeof(struct opener_done);
        case OPENER_MSG_RESULT:
                return sizeof(struct opener_result);
        case OPENER_MSG_POLICY:
                return sizeof(struct opener_policy);
        }
        return 0;
}

static size_t expected_fds(enum opener_msg_type type, const void *buf)
{
        switch (type) {
        case OPENER_MSG_OPEN:
                return (((const struct opener_open *)buf)->flags & OPENER_OPEN_CLIENT_NETNS) ? 1 : 0;
        case OPENER_MSG_RELOAD:
        case OPENER_MSG_DONE:
                return 0;
        case OPENER_MSG_CLOSE:
        case OPENER_MSG_BIND:
        case OPENER_MSG_SETOPT:
                return 1;
        case OPENER_MSG_RESULT:
                return ((const struct opener_result *)buf)->error == 0 ? 1 : 0;
        case OPENER_MSG_POLICY:
                return ((const struct opener_policy *)buf)->error == 0 ? 1 : 0;
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
        if (len != size)
                return -EBADMSG;
        /* The buffer now holds a complete struct of this type. */
        if (n_fds != expected_fds(type, buf))
                return -EBADF;

        switch (type) {
        case OPENER_MSG_OPEN: {
                const struct opener_open *m = buf;

                if (memchr(m->ifname, 0, sizeof(m->ifname)) == NULL)
                        return -EBADMSG;
                if (m->flags & ~(uint32_t)(OPENER_OPEN_NONBLOCK | OPENER_OPEN_CLIENT_NETNS))
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_BIND: {
                const struct opener_bind *m = buf;

                if ((m->family != AF_INET && m->family != AF_INET6) || m->port > 0xffff ||
                    m->reserved != 0)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_SETOPT: {
                const struct opener_setopt *m = buf;

                if (m->option == POLICY_SOCKOPT_NONE || m->option >= _POLICY_SOCKOPT_MAX ||
                    m->reserved != 0 || memchr(m->ifname, 0, sizeof(m->ifname)) == NULL)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_RESULT: {
                const struct opener_result *m = buf;

                if (m->error < 0 || m->error > 4095 || m->stage > OPENER_STAGE_NETNS)
                        return -EBADMSG;
                break;
        }
        case OPENER_MSG_DONE: {
                const struct opener_done *m = buf;

                if (m->error < 0 || m->error > 4095 || m->stage > OPENER_STAGE_NETNS)
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
        }
        return "unknown";
}
