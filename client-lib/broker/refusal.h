/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * refusal.h - which of the kernel's refusals the broker can serve, shared
 * by the socket API mirror (sb_bind(), sb_setsockopt()) and the preload
 * shim, so that a program sees the same behaviour through either. Pure:
 * no system call, no state; tests/check-client goes through them table
 * by table.
 */
#include <stdbool.h>
#include <sys/socket.h>

/* Whether a bind(2) refused with error may be asked of the broker: EACCES
 * for an IP port or an L2CAP PSM that needs CAP_NET_BIND_SERVICE (protocol
 * is the socket's SO_PROTOCOL; only AF_BLUETOOTH looks at it). EACCES of
 * an AF_UNIX bind is the file system's answer, never the broker's. */
bool sb_refusal_bind(int family, int protocol, int error);

/* The name of the option, when a setsockopt(2) refused with error may be
 * asked of the broker: EPERM for SO_BINDTODEVICE (a change; the first
 * binding is free), and for SO_MARK, SO_PRIORITY above 6, SO_RCVBUFFORCE
 * and SO_SNDBUFFORCE with a value of an int's size. NULL for anything else,
 * and never for the socket filter: a filter the broker locked is the
 * confinement the policy asked for. */
const char *sb_refusal_setsockopt(int level, int name, const void *value, socklen_t len,
                                  int error);
