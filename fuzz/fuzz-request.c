/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-request.c - sb_proto_request_decode(), the first code in the daemon
 * that sees a client's bytes.
 *
 * The input is one message as it arrives on the socket. It is decoded as
 * if it came with no descriptor and with one, so operations that take the
 * client's socket (Bind, SetOption) get past the descriptor check too.
 * Whatever is accepted must survive a round trip: encoded again and
 * decoded with the same descriptor count, it is accepted, and encoding
 * that gives the same bytes (protobuf-c writes one canonical form).
 *
 * The round trip leaves out unknown fields, which protobuf-c keeps and
 * writes back verbatim but does not judge: libprotobuf-c 1.4.1 accepts
 * field number 0 when its tag is written overlong ("80 00"), keeps it as
 * an unknown field, writes it back as "00" and then refuses that. The
 * daemon never re-encodes a request, so only the known fields matter.
 */
#include "config.h"

#include <errno.h>

#include "fuzz/fuzz-proto.h"
#include "fuzz/fuzz.h"
#include "proto/protocol.h"

/* Request > Open > Address > PacketAddress is the deepest nesting. */
#define MAX_MESSAGES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        for (size_t n_fds = 0; n_fds <= SB_PROTO_MAX_FDS; n_fds++) {
                SbRequest *req = NULL, *again = NULL;
                struct fuzz_hidden hidden[MAX_MESSAGES];
                size_t n_hidden = 0;
                uint8_t buf[SB_PROTO_MAX_MESSAGE], buf2[SB_PROTO_MAX_MESSAGE];
                char why[SB_PROTO_MAX_REASON] = "";
                int r, len, len2;

                r = sb_proto_request_decode(data, size, n_fds, &req, why, sizeof(why));
                if (r < 0) {
                        FUZZ_ASSERT(why[0] != '\0', "refused with %d and no reason", r);
                        continue;
                }
                FUZZ_ASSERT(req, "accepted without a request");
                {
                        unsigned lo, hi;

                        sb_proto_request_fds(req, &lo, &hi);
                        FUZZ_ASSERT(lo <= n_fds && n_fds <= hi, "accepted with %zu fds, op takes %u to %u",
                                    n_fds, lo, hi);
                }

                /* A field protobuf-c writes longer than it may be read
                 * (a negative int32 sent as 5 bytes) can push the
                 * canonical form over the limit; that is not a fault. */
                fuzz_unknown_fields_hide(&req->base, hidden, &n_hidden, MAX_MESSAGES);
                len = sb_proto_request_encode(req, buf, sizeof(buf));
                fuzz_unknown_fields_restore(hidden, n_hidden);
                if (len == -EMSGSIZE) {
                        sb_proto_request_free(req);
                        continue;
                }
                FUZZ_ASSERT(len >= 0, "re-encoding failed: %d", len);

                r = sb_proto_request_decode(buf, (size_t)len, n_fds, &again, why, sizeof(why));
                FUZZ_ASSERT(r == 0, "re-encoded request refused: %d (%s)", r, why);
                len2 = sb_proto_request_encode(again, buf2, sizeof(buf2));
                FUZZ_ASSERT(len2 == len && memcmp(buf, buf2, (size_t)len) == 0,
                            "encoding is not stable: %d then %d bytes", len, len2);

                sb_proto_request_free(again);
                sb_proto_request_free(req);
        }
        return 0;
}
