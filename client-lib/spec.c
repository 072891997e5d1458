/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.c - socket specs: the text a person types for a brokered socket.
 */
#include "config.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "client-lib/spec.h"
#include "common/names.h"
#include "common/util.h"
#include "proto/protocol.h"

int sb_spec_parse(const char *text, struct sb_spec *ret, char *why, size_t why_size)
{
        char buf[SB_SPEC_MAX], *at, *family, *type, *proto, *save = NULL;
        struct sb_spec s = {};
        int r;

        if (!text || !text[0])
                return refuse(-EINVAL, why, why_size, "empty spec");
        if (strlen(text) >= sizeof(buf))
                return refuse(-EINVAL, why, why_size, "spec longer than %u bytes", SB_SPEC_MAX - 1);
        strcpy(buf, text);

        at = strchr(buf, '@');
        if (at) {
                *at++ = 0;
                if (strchr(at, '@'))
                        return refuse(-EINVAL, why, why_size, "'%s' has more than one '@'", text);
                if (!sb_proto_ifname_valid(at))
                        return refuse(-EINVAL, why, why_size, "'%s' is not a valid interface name", at);
                strcpy(s.ifname, at);
        }

        save = buf;
        family = strsep(&save, "/");
        type = strsep(&save, "/");
        proto = strsep(&save, "/");
        if (!family || !type || !family[0] || !type[0] || (proto && !proto[0]))
                return refuse(-EINVAL, why, why_size, "'%s' is not FAMILY/TYPE[/PROTOCOL][@ADDRESS]", text);
        if (save)
                return refuse(-EINVAL, why, why_size, "'%s' has more than three parts before '@'", text);

        r = names_family_from_string(family);
        if (r < 0)
                return refuse(-EINVAL, why, why_size, "unknown family '%s'", family);
        s.family = r;
        if (s.family != AF_INET && s.family != AF_INET6 && s.family != AF_PACKET)
                return refuse(-EINVAL, why, why_size, "family '%s' has no spec form in this version", family);

        r = names_type_from_string(type);
        if (r < 0)
                return refuse(-EINVAL, why, why_size, "unknown socket type '%s'", type);
        s.type = r;

        if (proto) {
                if (names_protocol_from_string(s.family, proto, &s.protocol) < 0)
                        return refuse(-EINVAL, why, why_size, "unknown %s protocol '%s'", family, proto);
        } else if (s.family == AF_PACKET) {
                s.protocol = ETH_P_ALL;
        }

        *ret = s;
        return 0;
}

int sb_spec_format(const struct sb_spec *s, char *buf, size_t size)
{
        const char *family = names_family_to_string(s->family);
        const char *type = names_type_to_string(s->type);
        char proto[32];
        int n;

        if (names_protocol_to_string(s->family, s->protocol, proto, sizeof(proto)) < 0)
                return -ENOBUFS;
        n = snprintf(buf, size, "%s/%s/%s%s%s", family ?: "?", type ?: "?", proto,
                     s->ifname[0] ? "@" : "", s->ifname);
        return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}
