/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sockinfo.h - what a socket really is, asked of the kernel.
 */
#pragma once

#include "policy/policy.h"

/* Fills req->family, ->type and ->protocol (host order; the EtherType for
 * AF_PACKET) from SO_DOMAIN, SO_TYPE and SO_PROTOCOL. Never trust what a
 * message claims about a descriptor that came with it. 0 or -errno
 * (-ENOTSOCK for a descriptor that is not a socket). */
int sockinfo_read(int fd, struct policy_request *req);
