/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-addr.c - sb_addr_parse() and sb_addr_format(), and the round trip
 * that sockbroker/addr.h promises between them.
 *
 * Input: two bytes that pick a (family, protocol) pair from the table
 * below, as a little-endian number modulo its size, then the address
 * text, which ends at the first NUL or at the end of the input.
 *
 * Whenever parse accepts a text:
 *   - format writes it back (every parsed address has a text form);
 *   - the text parses back to the same length and the same bytes
 *     (parse -> format -> parse is the identity on the address);
 *   - that text is a fixed point: formatting again gives it unchanged;
 *   - a buffer one byte too small gives ENOSPC and an empty string,
 *     never a truncated address.
 * When parse refuses, it must leave its outputs untouched.
 *
 * Interface names resolve in the fuzzer's network namespace, where
 * normally only "lo" exists; names that do not resolve are ENODEV.
 */
#include "config.h"

#include <errno.h>
#include <linux/can.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "common/bt.h"
#include "fuzz/fuzz.h"
#include "sockbroker/addr.h"

static const struct {
        int family;
        int protocol;
} fuzz_pairs[] = {
        { AF_INET, 0 },
        { AF_INET6, 0 },
        { AF_UNIX, 0 },
        { AF_CAN, CAN_RAW },
        { AF_CAN, CAN_BCM },
        { AF_CAN, CAN_ISOTP },
        { AF_CAN, CAN_J1939 },
        { AF_PACKET, 0 },
        { AF_BLUETOOTH, BTPROTO_L2CAP },
        { AF_BLUETOOTH, BTPROTO_HCI },
        { AF_BLUETOOTH, BTPROTO_SCO },
        { AF_BLUETOOTH, BTPROTO_RFCOMM },
        { AF_NETLINK, NETLINK_ROUTE },
        { AF_VSOCK, 0 },
        { AF_TIPC, 0 },
        { AF_ALG, 0 },
        { AF_QIPCRTR, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sockaddr_storage ss, ss2;
        socklen_t len = 0xa5a5, len2 = 0x5a5a;
        char buf[SB_ADDR_STRLEN_MAX], buf2[SB_ADDR_STRLEN_MAX], small[SB_ADDR_STRLEN_MAX];
        size_t pick, n;
        int family, protocol, r;
        char *text;

        if (size < 2)
                return 0;
        pick = ((size_t)data[0] | (size_t)data[1] << 8) % (sizeof(fuzz_pairs) / sizeof(fuzz_pairs[0]));
        family = fuzz_pairs[pick].family;
        protocol = fuzz_pairs[pick].protocol;

        text = fuzz_text(data + 2, size - 2);
        if (!text)
                return 0;

        memset(&ss, 0xa5, sizeof(ss));
        r = sb_addr_parse(family, protocol, text, &ss, &len);
        if (r < 0) {
                unsigned char untouched[sizeof(ss)];

                memset(untouched, 0xa5, sizeof(untouched));
                FUZZ_ASSERT(errno != 0, "parse failed without errno");
                FUZZ_ASSERT(len == 0xa5a5 && memcmp(&ss, untouched, sizeof(ss)) == 0,
                            "failed parse of \"%s\" wrote its outputs", text);
                free(text);
                return 0;
        }
        FUZZ_ASSERT(r == 0, "parse returned %d", r);
        FUZZ_ASSERT(len >= sizeof(sa_family_t) && len <= sizeof(ss), "parse gave length %u",
                    (unsigned)len);
        FUZZ_ASSERT(ss.ss_family == family, "parse gave family %d for %d", ss.ss_family, family);

        r = sb_addr_format((const struct sockaddr *)&ss, len, protocol, buf, sizeof(buf));
        FUZZ_ASSERT(r == 0, "family %d protocol %d: \"%s\" parses but does not format: %s",
                    family, protocol, text, strerror(errno));
        n = strlen(buf);
        FUZZ_ASSERT(n < sizeof(buf), "format wrote no NUL");

        memset(&ss2, 0x5a, sizeof(ss2));
        r = sb_addr_parse(family, protocol, buf, &ss2, &len2);
        FUZZ_ASSERT(r == 0, "family %d protocol %d: \"%s\" formats as \"%s\", which does not parse: %s",
                    family, protocol, text, buf, strerror(errno));
        FUZZ_ASSERT(len2 == len && memcmp(&ss, &ss2, len) == 0,
                    "family %d protocol %d: \"%s\" and its canonical \"%s\" parse differently (length %u, %u)",
                    family, protocol, text, buf, (unsigned)len, (unsigned)len2);

        r = sb_addr_format((const struct sockaddr *)&ss2, len2, protocol, buf2, sizeof(buf2));
        FUZZ_ASSERT(r == 0 && strcmp(buf, buf2) == 0, "canonical \"%s\" formats again as \"%s\"",
                    buf, buf2);

        memset(small, 'Z', sizeof(small));
        errno = 0;
        r = sb_addr_format((const struct sockaddr *)&ss, len, protocol, small, n);
        FUZZ_ASSERT(r == -1 && errno == ENOSPC, "\"%s\" in %zu bytes: %d, %s", buf, n, r,
                    strerror(errno));
        FUZZ_ASSERT(n == 0 || small[0] == '\0', "a failed format left \"%.*s\"", (int)n, small);
        for (size_t i = n; i < sizeof(small); i++)
                FUZZ_ASSERT(small[i] == 'Z', "format of \"%s\" into %zu bytes wrote byte %zu", buf, n, i);

        free(text);
        return 0;
}
