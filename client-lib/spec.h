/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.h - socket specs, "FAMILY/TYPE[/PROTOCOL][@ADDRESS]". Pure.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_SPEC_MAX 256u

struct sb_spec {
        int family;
        int type;
        uint32_t protocol;       /* host order; EtherType for packet */
        char ifname[IFNAMSIZ];   /* "" for none */
};

/* Parses a spec. Returns 0, or -EINVAL with a reason in why. */
int sb_spec_parse(const char *text, struct sb_spec *ret, char *why, size_t why_size);

/* Canonical text of a spec. Returns 0 or -ENOBUFS. */
int sb_spec_format(const struct sb_spec *s, char *buf, size_t size);
