/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-spec.c - sb_spec_parse(), the "FAMILY/TYPE[/PROTOCOL][@IFACE]"
 * text that users type and the client library parses.
 *
 * The input is the text; it ends at the first NUL or at the end of the
 * input. A refusal must say why and leave the output alone. An accepted
 * spec must format, its canonical text must parse back to the same
 * struct, field for field (the CAN and Bluetooth addresses too), and
 * format to the same text again.
 */
#include "config.h"

#include <stdbool.h>
#include <sys/socket.h>

#include "client-lib/broker/spec.h"
#include "fuzz/fuzz.h"

/* Every field a spec sets; the struct's padding is not compared. */
static bool spec_equal(const struct sb_spec *a, const struct sb_spec *b)
{
        return a->family == b->family && a->type == b->type && a->protocol == b->protocol &&
               memcmp(a->ifname, b->ifname, sizeof(a->ifname)) == 0 &&
               a->has_can_ids == b->has_can_ids && a->rx_id == b->rx_id && a->tx_id == b->tx_id &&
               a->has_j1939 == b->has_j1939 && a->j1939_name == b->j1939_name &&
               a->j1939_pgn == b->j1939_pgn && a->j1939_addr == b->j1939_addr &&
               a->can_fd == b->can_fd && a->has_dev == b->has_dev && a->dev == b->dev &&
               a->has_channel == b->has_channel && a->channel == b->channel &&
               a->has_psm == b->has_psm && a->psm == b->psm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sb_spec s, t;
        char why[256] = "", buf[SB_SPEC_MAX], again[SB_SPEC_MAX];
        char *text;
        int r;

        text = fuzz_text(data, size);
        if (!text)
                return 0;

        memset(&s, 0xa5, sizeof(s));
        memset(&t, 0xa5, sizeof(t));
        r = sb_spec_parse(text, &s, why, sizeof(why));
        if (r < 0) {
                FUZZ_ASSERT(why[0] != '\0', "\"%s\" refused with %d and no reason", text, r);
                FUZZ_ASSERT(memcmp(&s, &t, sizeof(s)) == 0, "\"%s\" refused, but the spec was written",
                            text);
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
        FUZZ_ASSERT(spec_equal(&s, &t), "\"%s\" and its canonical \"%s\" differ", text, buf);
        FUZZ_ASSERT(s.family == AF_CAN || s.family == AF_BLUETOOTH ||
                    (!s.has_can_ids && !s.has_j1939 && !s.can_fd && !s.has_dev && !s.has_channel &&
                     !s.has_psm), "\"%s\": a CAN or Bluetooth address on family %d", text, s.family);
        FUZZ_ASSERT(!s.has_dev || s.dev <= SB_HCI_MAX_DEV, "\"%s\": controller %u", text, s.dev);

        /* The canonical text is a fixed point. */
        r = sb_spec_format(&t, again, sizeof(again));
        FUZZ_ASSERT(r == 0 && strcmp(buf, again) == 0, "\"%s\" formats as \"%s\", then as \"%s\"",
                    text, buf, again);

        free(text);
        return 0;
}
