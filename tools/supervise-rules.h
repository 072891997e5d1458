/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * supervise-rules.h - the decisions of `sockbroker run`'s seccomp
 * supervisor (tools/supervise.c), pure so that tests/check-supervise can
 * go through them: which system calls the filter sends to the supervisor,
 * and what the supervisor does with each one it receives.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "client-lib/broker/spec.h"

/*
 * One rule of the filter: system call nr notifies when each of its
 * argument tests holds, (args[arg] & mask) == value. Every other call,
 * and every call of another architecture, runs as if no filter were
 * there. The table is what sockbroker(1) documents as "the calls that
 * notify".
 */
struct sv_arg_test {
        unsigned arg;
        uint64_t mask;
        uint64_t value;
};

struct sv_rule {
        int nr;
        unsigned n_tests;
        struct sv_arg_test tests[2];
};

extern const struct sv_rule sv_rules[];
extern const size_t sv_n_rules;

/* What the supervisor does with a notified call. */
enum sv_action {
        SV_CONTINUE,            /* the kernel runs the call as made */
        SV_SOCKET,              /* ask the broker for the socket */
        SV_BIND,                /* bind the caller's socket: ours first, then the broker */
        SV_SETSOCKOPT,          /* set on our copy first, then the broker */
        SV_ATTACH_FILTER,       /* on a socket the broker locked: the broker's with it */
        SV_DETACH_FILTER,       /* back to the broker's lock, or ENOENT when it is alone */
        SV_PACKET_OPTION,       /* SOL_PACKET: held for a placeholder, else the kernel's */
        SV_PACKET_GETOPT,       /* getsockopt(SOL_PACKET): EPERM for a placeholder */
        SV_IFINDEX,             /* ioctl(SIOCGIFINDEX): names a placeholder CAN socket's interface */
};

/*
 * The action for a call, from its number and arguments alone; the
 * arguments of socket(2), bind(2) and setsockopt(2) are ints and a
 * length, so only their low 32 bits count, as in the kernel. For bind
 * and setsockopt the supervisor then reads the caller's memory, and
 * sv_setsockopt_value() may still turn the call back to the kernel.
 */
enum sv_action sv_classify(int nr, const uint64_t args[6]);

/* For SV_SETSOCKOPT: how many bytes of the option value to read (at
 * most size); 0 when the call goes to the kernel as made (a length no
 * privileged use of the option has). */
size_t sv_setsockopt_read_len(int name, uint64_t optlen, size_t size);

/* For SV_SETSOCKOPT, once the value is read: false when the kernel lets
 * anyone make this call (SO_PRIORITY 0 to 6), so it goes on as made. */
bool sv_setsockopt_value_needs_broker(int name, const void *value, size_t len);

/* For SV_SOCKET refused by the broker: whether a socket of spec may yet
 * be granted once a later call names its address, so that it starts as
 * a placeholder (client-lib/broker/placeholder.h): a packet or CAN_RAW
 * socket without an interface, which bind() or, for CAN,
 * ioctl(SIOCGIFINDEX) names; an HCI socket without a channel, which
 * bind() names with its controller. */
bool sv_placeholder_waits(const struct sb_spec *spec);

/* For SV_BIND: how many bytes of the address to read, or 0 when the
 * call goes to the kernel as made (a length no address the broker binds
 * has, or larger than size). */
size_t sv_bind_read_len(uint64_t addrlen, size_t size);

/*
 * The status `sockbroker run` exits with for the command's wait status:
 * its exit code, or 128 + the signal that ended it (after the supervisor
 * has tried to end the same way, see tools/supervise.c).
 */
int sv_exit_status(int wstatus);

