/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-proto.h - for the protobuf targets (fuzz-request.c, fuzz-reply.c):
 * hiding the unknown fields of a decoded message tree for a round trip,
 * and putting them back before it is freed.
 *
 * Header-only, like fuzz.h.
 */
#pragma once

#include <protobuf-c/protobuf-c.h>
#include <string.h>

#include "fuzz/fuzz.h"

struct fuzz_hidden {
        ProtobufCMessage *m;
        unsigned n_unknown_fields;
};

/*
 * Sets n_unknown_fields to 0 in m and in every message below it: set
 * members of a oneof, optional and repeated message fields. Records the
 * old counts in h[*n...] (at most max) for fuzz_unknown_fields_restore().
 */
static inline void fuzz_unknown_fields_hide(ProtobufCMessage *m, struct fuzz_hidden *h,
                                            size_t *n, size_t max)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;

        FUZZ_ASSERT(*n < max, "more than %zu messages in one", max);
        h[(*n)++] = (struct fuzz_hidden){ m, m->n_unknown_fields };
        m->n_unknown_fields = 0;

        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];
                ProtobufCMessage *sub, **subs;
                size_t count;
                uint32_t which;

                if (f->type != PROTOBUF_C_TYPE_MESSAGE)
                        continue;
                if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                        memcpy(&count, (const char *)m + f->quantifier_offset, sizeof(count));
                        memcpy(&subs, (const char *)m + f->offset, sizeof(subs));
                        for (size_t j = 0; j < count; j++)
                                fuzz_unknown_fields_hide(subs[j], h, n, max);
                        continue;
                }
                /* Members of a oneof share their storage: only the set one is a message. */
                if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                        memcpy(&which, (const char *)m + f->quantifier_offset, sizeof(which));
                        if (which != f->id)
                                continue;
                }
                memcpy(&sub, (const char *)m + f->offset, sizeof(sub));
                if (sub)
                        fuzz_unknown_fields_hide(sub, h, n, max);
        }
}

static inline void fuzz_unknown_fields_restore(struct fuzz_hidden *h, size_t n)
{
        for (size_t i = 0; i < n; i++)
                h[i].m->n_unknown_fields = h[i].n_unknown_fields;
}
