/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-hci-event.c - bt_hci_event_parse(), where the privileged opener
 * reads what an HCI controller sent while it waits for the answer to a
 * command a client asked for.
 *
 * Input: the opcode waited for, two bytes little-endian, then one packet
 * as read from the raw HCI socket, in a buffer of exactly its length.
 * The return parameters go to a buffer of exactly 255 bytes, as
 * bt_hci_command() promises. Beyond not crashing:
 *   - a refused packet leaves the three outputs as they were;
 *   - an answer is an event packet holding the length its length byte
 *     gives, a Command Complete (with ncmd and the opcode) or a Command
 *     Status (with status, ncmd and the opcode) for exactly that opcode,
 *     and its data are the packet's return parameters or its status,
 *     with nothing written after them;
 *   - bytes after the event's parameters change nothing: the event cut
 *     to its length gets the same verdict;
 *   - an answer to one opcode is no answer to any other.
 */
#include "config.h"

#include <stdbool.h>

#include "common/bt.h"
#include "daemon/opener/bluetooth.h"
#include "fuzz/fuzz.h"

#define DATA_SIZE 255u
#define SENTINEL 0xa5

struct parsed {
        bool answer;
        uint8_t event;
        size_t n;
};

/* Parses ev[0..len) with fresh sentinels in data. */
static struct parsed parse(const uint8_t *ev, size_t len, uint16_t opcode, uint8_t *data)
{
        struct parsed p = { .event = SENTINEL, .n = SIZE_MAX };

        memset(data, SENTINEL, DATA_SIZE);
        p.answer = bt_hci_event_parse(ev, len, opcode, &p.event, data, &p.n);
        if (!p.answer) {
                FUZZ_ASSERT(p.event == SENTINEL && p.n == SIZE_MAX, "refusal set the outputs");
                for (size_t i = 0; i < DATA_SIZE; i++)
                        FUZZ_ASSERT(data[i] == SENTINEL, "refusal wrote data[%zu]", i);
        }
        return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
        uint8_t *ev, *data;
        struct parsed p, q;
        uint16_t opcode;
        size_t len;

        if (size < 2)
                return 0;
        opcode = (uint16_t)(input[0] | input[1] << 8);
        len = size - 2;
        ev = calloc(1, len > 0 ? len : 1);
        data = malloc(DATA_SIZE);
        if (!ev || !data) {
                free(ev);
                free(data);
                return 0;
        }
        if (len > 0)
                memcpy(ev, input + 2, len);

        p = parse(ev, len, opcode, data);
        if (p.answer) {
                size_t plen;

                FUZZ_ASSERT(len >= 3 && ev[0] == HCI_EVENT_PKT, "answer of %zu bytes, type %u",
                            len, len > 0 ? ev[0] : 0u);
                plen = ev[2];
                FUZZ_ASSERT(len >= 3 + plen, "answer of %zu bytes, length byte %zu", len, plen);
                FUZZ_ASSERT(p.event == ev[1], "event 0x%02x reported as 0x%02x", ev[1], p.event);
                if (p.event == HCI_EV_CMD_COMPLETE) {
                        FUZZ_ASSERT(plen >= 3 && (ev[4] | ev[5] << 8) == opcode,
                                    "command complete of %zu bytes for 0x%04x", plen, opcode);
                        FUZZ_ASSERT(p.n == plen - 3 && p.n <= 252, "%zu return bytes of %zu",
                                    p.n, plen);
                        FUZZ_ASSERT(p.n == 0 || memcmp(data, ev + 6, p.n) == 0,
                                    "return parameters differ");
                } else {
                        FUZZ_ASSERT(p.event == HCI_EV_CMD_STATUS, "answer is event 0x%02x", p.event);
                        FUZZ_ASSERT(plen >= 4 && (ev[5] | ev[6] << 8) == opcode,
                                    "command status of %zu bytes for 0x%04x", plen, opcode);
                        FUZZ_ASSERT(p.n == 1 && data[0] == ev[3], "status not reported");
                }
                for (size_t i = p.n; i < DATA_SIZE; i++)
                        FUZZ_ASSERT(data[i] == SENTINEL, "data[%zu] written after %zu", i, p.n);

                for (unsigned bit = 0; bit < 16; bit++) {
                        q = parse(ev, len, (uint16_t)(opcode ^ (1u << bit)), data);
                        FUZZ_ASSERT(!q.answer, "0x%04x answered as 0x%04x too", opcode,
                                    opcode ^ (1u << bit));
                }
        }

        /* The event alone, without what followed it in the read. */
        if (len > 3 && len > 3 + (size_t)ev[2]) {
                size_t cut = 3 + (size_t)ev[2];
                uint8_t *copy = malloc(cut);

                if (copy) {
                        memcpy(copy, ev, cut);
                        q = parse(copy, cut, opcode, data);
                        FUZZ_ASSERT(q.answer == p.answer && q.event == p.event && q.n == p.n,
                                    "%zu trailing bytes changed the verdict", len - cut);
                        free(copy);
                }
        }

        free(ev);
        free(data);
        return 0;
}
