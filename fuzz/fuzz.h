/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz.h - what every fuzz target shares: the libFuzzer entry point's
 * prototype (the same targets link with libFuzzer or with fuzz-main.c),
 * a NUL-terminated copy of the input for text parsers, and the check that
 * turns a broken property into a crash the fuzzer reports.
 *
 * Header-only so that each target stays one .c file that defines nothing
 * but LLVMFuzzerTestOneInput().
 */
#pragma once

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A property every input must keep. Fuzzers, unlike the library, abort:
 * a crash with the message on stderr is how libFuzzer and the replay
 * test notice.
 */
#define FUZZ_ASSERT(cond, ...)                                                  \
        do {                                                                    \
                if (!(cond)) {                                                  \
                        fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                           \
                        fputc('\n', stderr);                                    \
                        abort();                                                \
                }                                                               \
        } while (0)

/* The input as a C string, in a buffer of exactly size + 1 bytes so that
 * AddressSanitizer sees any read past the NUL. An embedded NUL ends the
 * text there, as it would for a caller. NULL only when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                return NULL;
        if (size > 0)
                memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/*
 * How many descriptors below FUZZ_MAX_FD this process has open, for the
 * targets that check no input leaks one. One poll() with a zero timeout
 * marks every closed number POLLNVAL; walking /proc/self/fd per input
 * cost more than some targets' own work. A descriptor at or above the
 * bound is a failure of its own, since the harness never opens that many.
 */
#define FUZZ_MAX_FD 256

static inline unsigned fuzz_fds_open(void)
{
        struct pollfd p[FUZZ_MAX_FD];
        unsigned n = 0;

        for (int i = 0; i < FUZZ_MAX_FD; i++)
                p[i] = (struct pollfd){ .fd = i };
        FUZZ_ASSERT(poll(p, FUZZ_MAX_FD, 0) >= 0, "poll: %m");
        for (int i = 0; i < FUZZ_MAX_FD; i++)
                if (!(p[i].revents & POLLNVAL))
                        n++;
        return n;
}
