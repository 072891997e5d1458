/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * number.c - numbers as the policy, the specs and the command lines take
 * them, and the range of each family's protocol numbers: what a reader
 * that checks numbers needs without the name tables of names.c (the
 * opener links this file and not that one).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "common/names.h"
#include "common/util.h"

/*
 * The protocol ranges. IP protocols are one byte in the header and
 * EtherTypes two. CAN and Bluetooth protocol numbers are small indexes
 * into kernel tables; a byte leaves room for new kernels without letting
 * absurd numbers through. Netlink has MAX_LINKS (32) protocols and
 * AF_UNIX only protocol 0.
 */
static const struct names_protocol_range protocol_ranges[] = {
        { AF_INET,      0xff,   false },
        { AF_INET6,     0xff,   false },
        { AF_PACKET,    0xffff, true },
        { AF_CAN,       0xff,   false },
        { AF_BLUETOOTH, 0xff,   false },
        { AF_NETLINK,   31,     false },
        { AF_UNIX,      0,      false },
};

const struct names_protocol_range *names_protocol_range(int family)
{
        for (size_t i = 0; i < ELEMENTSOF(protocol_ranges); i++)
                if (protocol_ranges[i].family == family)
                        return &protocol_ranges[i];
        return NULL;
}

bool names_protocol_is_valid(int family, uint32_t protocol)
{
        const struct names_protocol_range *r = names_protocol_range(family);

        return r && protocol <= r->max;
}

/*
 * Deliberately not strtoull(): that accepts leading whitespace, signs and
 * (with base 0) octal, none of which belongs in a policy. A decimal number
 * with a leading zero is refused so "0644" cannot be mistaken for octal.
 */
int names_parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
        unsigned base = 10;
        uint64_t v = 0;
        bool range = false;

        if (!s || !*s)
                return -EINVAL;

        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                s += 2;
                if (!*s)
                        return -EINVAL;
        } else if (s[0] == '0' && s[1] != '\0')
                return -EINVAL;

        for (; *s; s++) {
                int d = base == 16 ? unhexchar(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);

                if (d < 0)
                        return -EINVAL;
                /* Keep scanning after an overflow: a later bad digit makes
                 * the whole word invalid, not out of range. */
                if (v > (UINT64_MAX - (uint64_t)d) / base)
                        range = true;
                else
                        v = v * base + (uint64_t)d;
        }

        if (range || v > max)
                return -ERANGE;
        if (ret)
                *ret = v;
        return 0;
}
