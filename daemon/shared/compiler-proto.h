/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compiler-proto.h - the vocabulary between the opener and
 * sockbroker-compiler, which reads and compiles the policy files for it.
 *
 * Fixed-size C structs over a SOCK_SEQPACKET socketpair, one per message,
 * versioned like opener-proto.h and independent of it.
 *
 * opener -> compiler
 *   COMPILER_MSG_COMPILE  read the policy file and its drop-in directory
 *                         (those given on the compiler's command line)
 *                         and compile them.
 *
 * compiler -> opener
 *   COMPILER_MSG_IMAGE    the compiled image in a memfd sealed against
 *                         writing, growing and shrinking (error == 0), or
 *                         why there is none, with the compiler's message.
 *
 * The opener trusts the compiler no more than the broker does: it checks
 * the reply's length and version, the memfd's seals and size, and imports
 * the image with the validating importer (policy_import()).
 */
#pragma once

#include <stdint.h>

#define COMPILER_PROTO_VERSION 1u

enum compiler_msg_type {
        COMPILER_MSG_COMPILE = 1,
        COMPILER_MSG_IMAGE = 2,
};

struct compiler_request {
        uint32_t version;
        uint32_t type;           /* COMPILER_MSG_COMPILE */
};

struct compiler_reply {
        uint32_t version;
        uint32_t type;           /* COMPILER_MSG_IMAGE */
        int32_t error;           /* 0 or a positive errno */
        uint32_t reserved;       /* 0 */
        uint64_t size;           /* image bytes in the memfd, when error == 0 */
        char message[512];       /* why, when error != 0; NUL-terminated */
};
