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

#include "fuzz/fuzz.h"
#include "proto/protocol.h"

/* A message takes at least two bytes, so one reply holds fewer. */
#define MAX_MESSAGES (SB_PROTO_MAX_MESSAGE / 2)

struct hidden {
        ProtobufCMessage *m;
        unsigned n_unknown_fields;
};

static struct hidden hidden[MAX_MESSAGES];

/* Sets n_unknown_fields to 0 in m and every message below it, repeated
 * ones too, and records the old counts in hidden[]. */
static void unknown_fields_hide(ProtobufCMessage *m, size_t *n)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;

        FUZZ_ASSERT(*n < MAX_MESSAGES, "more than %u messages in a reply", MAX_MESSAGES);
        hidden[(*n)++] = (struct hidden){ m, m->n_unknown_fields };
        m->n_unknown_fields = 0;

        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];

                if (f->type != PROTOBUF_C_TYPE_MESSAGE)
                        continue;
                if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                        ProtobufCMessage **subs;
                        size_t count;

                        memcpy(&count, (const char *)m + f->quantifier_offset, sizeof(count));
                        memcpy(&subs, (const char *)m + f->offset, sizeof(subs));
                        for (size_t j = 0; j < count; j++)
                                unknown_fields_hide(subs[j], n);
                } else {
                        ProtobufCMessage *sub;

                        memcpy(&sub, (const char *)m + f->offset, sizeof(sub));
                        if (sub)
                                unknown_fields_hide(sub, n);
                }
        }
}

static void unknown_fields_restore(size_t n)
{
        for (size_t i = 0; i < n; i++)
                hidden[i].m->n_unknown_fields = hidden[i].n_unknown_fields;
}

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

                unknown_fields_hide(&reply->base, &n_hidden);
                len = sb_proto_reply_encode(reply, buf, sizeof(buf));
                unknown_fields_restore(n_hidden);
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
