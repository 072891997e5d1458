/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.c - what every reader of a compiled policy shares with its
 * compiler: the families and sockets the language knows, the options it
 * grants, and the checks on its words that the importer repeats. The
 * parser is policy-compile.c; the text formats, policy-format.c.
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
