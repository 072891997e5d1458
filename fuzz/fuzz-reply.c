/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-reply.c - sb_proto_reply_decode(), which the client library runs
 * on whatever comes back from the socket it connected to.
 *
 * The input is one reply. It is decoded as if it came with no descriptor
 * and with one, since the reply's n_fds must agree with what arrived.
 * An accepted reply must survive a round trip, as requests do, without
 * its unknown fields (see fuzz-request.c for why). A reply has no nested
 * messages, so only its own are left out.
 */
#include "config.h"

#include <errno.h>

#include "fuzz/fuzz.h"
#include "proto/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        for (size_t n_fds = 0; n_fds <= SB_PROTO_MAX_FDS; n_fds++) {
                SbReply *reply = NULL, *again = NULL;
                uint8_t buf[SB_PROTO_MAX_MESSAGE], buf2[SB_PROTO_MAX_MESSAGE];
                char why[SB_PROTO_MAX_REASON] = "";
                unsigned n_unknown;
                int r, len, len2;

                r = sb_proto_reply_decode(data, size, n_fds, &reply, why, sizeof(why));
                if (r < 0) {
                        FUZZ_ASSERT(why[0] != '\0', "refused with %d and no reason", r);
                        continue;
                }
                FUZZ_ASSERT(reply, "accepted without a reply");
                FUZZ_ASSERT((reply->has_n_fds ? reply->n_fds : 0) == n_fds,
                            "accepted %zu fds for a reply announcing %u", n_fds,
                            reply->has_n_fds ? reply->n_fds : 0);

                n_unknown = reply->base.n_unknown_fields;
                reply->base.n_unknown_fields = 0;
                len = sb_proto_reply_encode(reply, buf, sizeof(buf));
                reply->base.n_unknown_fields = n_unknown;
                if (len == -EMSGSIZE) {
                        sb_proto_reply_free(reply);
                        continue;
                }
                FUZZ_ASSERT(len >= 0, "re-encoding failed: %d", len);

                r = sb_proto_reply_decode(buf, (size_t)len, n_fds, &again, why, sizeof(why));
                FUZZ_ASSERT(r == 0, "re-encoded reply refused: %d (%s)", r, why);
                len2 = sb_proto_reply_encode(again, buf2, sizeof(buf2));
                FUZZ_ASSERT(len2 == len && memcmp(buf, buf2, (size_t)len) == 0,
                            "encoding is not stable: %d then %d bytes", len, len2);

                sb_proto_reply_free(again);
                sb_proto_reply_free(reply);
        }
        return 0;
}
