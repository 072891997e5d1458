/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-spec.c - sb_spec_parse(), the "FAMILY/TYPE[/PROTOCOL][@IFACE]"
 * text that users type and the client library parses.
 *
 * The input is the text; it ends at the first NUL or at the end of the
 * input. A refusal must say why. An accepted spec must format, and its
 * canonical text must parse back to the same struct, field for field.
 */
#include "config.h"

#include "client-lib/spec.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sb_spec s, t;
        char why[256] = "", buf[SB_SPEC_MAX];
        char *text;
        int r;

        text = fuzz_text(data, size);
        if (!text)
                return 0;

        memset(&s, 0xa5, sizeof(s));
        r = sb_spec_parse(text, &s, why, sizeof(why));
        if (r < 0) {
                FUZZ_ASSERT(why[0] != '\0', "\"%s\" refused with %d and no reason", text, r);
                free(text);
                return 0;
        }
        FUZZ_ASSERT(r == 0, "parse returned %d", r);
        FUZZ_ASSERT(memchr(s.ifname, '\0', sizeof(s.ifname)), "interface name not terminated");

        r = sb_spec_format(&s, buf, sizeof(buf));
        FUZZ_ASSERT(r == 0, "\"%s\" parses but does not format: %d", text, r);

        memset(&t, 0x5a, sizeof(t));
        r = sb_spec_parse(buf, &t, why, sizeof(why));
        FUZZ_ASSERT(r == 0, "\"%s\" formats as \"%s\", which does not parse: %s", text, buf, why);
        FUZZ_ASSERT(s.family == t.family && s.type == t.type && s.protocol == t.protocol &&
                    memcmp(s.ifname, t.ifname, sizeof(s.ifname)) == 0,
                    "\"%s\" and its canonical \"%s\" differ", text, buf);

        free(text);
        return 0;
}
