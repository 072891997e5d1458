/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link.h - link configuration over rtnetlink, for the opener.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * Sets ifname administratively up or down, in the calling thread's
 * network namespace. Returns 0 or the kernel's negative errno; -EPERM
 * for an interface that is not CAN (the vocabulary is for CAN links).
 */
int link_set_up(const char *ifname, bool up);

/*
 * Sets a CAN interface's bitrate, leaving the bit timing to the kernel's
 * calculation. The kernel refuses this (-EBUSY) while the link is up and
 * (-EOPNOTSUPP) for interfaces without bit timing, such as vcan.
 */
int link_set_can_bitrate(const char *ifname, uint32_t bitrate);
