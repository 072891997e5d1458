/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-reply.c - sb_proto_reply_decode(), which the client library runs
 * on whatever comes back from the socket it connected to.
 *
 * The input is one reply. It is decoded as if it came with no descriptor
 * and with one, since the reply's n_fds must agree with what arrived.
 * An accepted reply must survive a round trip, as requests do, without
 * the unknown fields of any message in it (see fuzz-request.c for why):
 * its own, and those of a status or a page of grants and each grant.
 */
#include "config.h"

#include <errno.h>

#include "fuzz/fuzz-proto.h"
#include "fuzz/fuzz.h"
#include "proto/protocol.h"

/* A message takes at least two bytes, so one reply holds fewer. */
#define MAX_MESSAGES (SB_PROTO_MAX_MESSAGE / 2)

/* One for each message a reply can hold, kept off the stack. */
static struct fuzz_hidden hidden[MAX_MESSAGES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        for (size_t n_fds = 0; n_fds <= SB_PROTO_MAX_FDS; n_fds++) {
                SbReply *reply = NULL, *again = NULL;
                uint8_t buf[SB_PROTO_MAX_MESSAGE], buf2[SB_PROTO_MAX_MESSAGE];
                char why[SB_PROTO_MAX_REASON] = "";
                size_t n_hidden = 0;
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

                fuzz_unknown_fields_hide(&reply->base, hidden, &n_hidden, MAX_MESSAGES);
                len = sb_proto_reply_encode(reply, buf, sizeof(buf));
                fuzz_unknown_fields_restore(hidden, n_hidden);
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
