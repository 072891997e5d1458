/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * names.h - the text names of address families, socket types and
 * protocols, as used by the policy language, socket specs and messages.
 *
 * Pure tables: no /etc/protocols, no I/O, so the policy compiler and the
 * client agree on every name whatever the host's files say.
 *
 * Protocols are numbers in host byte order: an IP protocol number for
 * AF_INET and AF_INET6, an EtherType for AF_PACKET, a CAN_* protocol for
 * AF_CAN and a BTPROTO_* number for AF_BLUETOOTH.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "inet", "inet6", "packet", "can", "bluetooth" (also "bt"), "unix",
 * "netlink" -> AF_*. Returns the family, or -EINVAL. */
int names_family_from_string(const char *s);
/* AF_* -> name, or NULL when the family has no name here. */
const char *names_family_to_string(int family);

/* "raw", "dgram", "stream", "seqpacket", "rdm" -> SOCK_*, or -EINVAL. */
int names_type_from_string(const char *s);
const char *names_type_to_string(int type);

/*
 * A protocol name or number for the given family. Numbers may be decimal
 * or 0x-hex and must fit the family's range (0..255 for IP, 0..0xffff for
 * EtherTypes). Returns 0 and sets *ret, or -EINVAL / -ERANGE.
 */
int names_protocol_from_string(int family, const char *s, uint32_t *ret);
/* The range of a family's protocol numbers, and whether they print in
 * hex; NULL for a family without one (number.c). */
struct names_protocol_range {
        int family;
        uint32_t max;            /* largest valid protocol number */
        bool hex;                /* print numbers as 0x%04x */
};
const struct names_protocol_range *names_protocol_range(int family);
/* True when protocol is within the family's range (as above); false for
 * a family without one. For validating untrusted numbers (number.c). */
bool names_protocol_is_valid(int family, uint32_t protocol);
/* Writes the name when there is one, else the number (hex for EtherTypes).
 * Returns 0, or -ENOBUFS when buf is too small. */
int names_protocol_to_string(int family, uint32_t protocol, char *buf, size_t size);

/* Parses an unsigned number (decimal or 0x-hex) up to max. 0 or
 * -EINVAL/-ERANGE (number.c). */
int names_parse_uint(const char *s, uint64_t max, uint64_t *ret);

/*
 * HCI event codes (0..0xff) and command opcodes (OGF << 10 | OCF,
 * 0..0xffff) by name, as the policy words events= and command= take
 * them: "le-meta" is 0x3e, "le-set-scan-enable" 0x200c. Numbers are
 * accepted too. Return 0 and set *ret, or -EINVAL / -ERANGE.
 */
int names_hci_event_from_string(const char *s, uint32_t *ret);
/* The name of an event code or opcode, or NULL when it has none here. */
const char *names_hci_event_to_string(uint32_t code);
int names_hci_command_from_string(const char *s, uint32_t *ret);
const char *names_hci_command_to_string(uint32_t opcode);
/* The number of parameter bytes a named command takes, or -1 when it is
 * not fixed or the command is not one of the named ones. */
int names_hci_command_params(uint32_t opcode);
