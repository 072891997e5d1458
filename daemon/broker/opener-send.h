/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener-send.h - what the broker writes to the opener, and reads back in
 * words: the halves of the vocabulary of daemon/shared/opener-proto.h that
 * only the broker uses.
 */
#pragma once

#include "daemon/shared/opener-proto.h"

struct policy_request;

const char *opener_stage_to_string(enum opener_stage stage);

/* The wire's constants for the policy's; values the policy defines only
 * (0 for NONE). opener_sockopt_to_policy() and opener_link_op_to_policy()
 * are the way back. */
enum opener_sockopt opener_sockopt_from_policy(int sockopt);
enum opener_link_op opener_link_op_from_policy(int op);

/* Copies an OPEN request (family, type, protocol, interface and address
 * fields) into m, with a count of 1; opener_open_get_request() is the way
 * back. */
void opener_open_set_request(struct opener_open *m, const struct policy_request *req);
