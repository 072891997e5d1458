/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-bluetooth.c - the opener's reading of a controller's events,
 * bt_hci_event_parse(), and the event filter it sets on raw HCI sockets,
 * bt_event_filter() (daemon/opener/bluetooth.c).
 *
 * Every event is copied into a buffer of exactly its length and the
 * return parameters go to one of exactly 255 bytes, as bt_hci_command()
 * promises its caller, so that a read or write past either is an error
 * under ASan and valgrind.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/opener/bluetooth.h"
#include "tests/check-suites.h"

#define OP_RESET 0x0c03           /* HCI_Reset: OGF 3, OCF 3 */
#define OP_READ_BDADDR 0x1009
#define OP_LE_SET_SCAN_ENABLE 0x200c
#define SENTINEL 0xa5

#define EV(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

static const struct hci_case {
        const char *name;
        const uint8_t *ev;
        size_t len;
        uint16_t opcode;
        bool answer;
        uint8_t event;           /* when answer */
        size_t n;
        const uint8_t *data;
} hci_cases[] = {
        { "command complete, status only", EV(0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00),
          OP_RESET, true, 0x0e, 1, (const uint8_t[]){ 0x00 } },
        { "command complete, a failed status", EV(0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x0c),
          OP_RESET, true, 0x0e, 1, (const uint8_t[]){ 0x0c } },
        { "command complete, status and address",
          EV(0x04, 0x0e, 0x0a, 0x01, 0x09, 0x10, 0x00, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
          OP_READ_BDADDR, true, 0x0e, 7,
          (const uint8_t[]){ 0x00, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 } },
        { "command complete without return parameters", EV(0x04, 0x0e, 0x03, 0x01, 0x03, 0x0c),
          OP_RESET, true, 0x0e, 0, NULL },
        { "command complete, no ncmd and opcode", EV(0x04, 0x0e, 0x02, 0x01, 0x03),
          OP_RESET, false },
        { "command complete, empty", EV(0x04, 0x0e, 0x00), OP_RESET, false },
        { "command complete for another opcode", EV(0x04, 0x0e, 0x04, 0x01, 0x09, 0x10, 0x00),
          OP_RESET, false },
        { "command complete, opcode big-endian", EV(0x04, 0x0e, 0x04, 0x01, 0x0c, 0x03, 0x00),
          OP_RESET, false },
        { "command complete of the no-op opcode", EV(0x04, 0x0e, 0x03, 0x01, 0x00, 0x00),
          OP_RESET, false },
        { "command complete, ncmd 0", EV(0x04, 0x0e, 0x04, 0x00, 0x03, 0x0c, 0x00),
          OP_RESET, true, 0x0e, 1, (const uint8_t[]){ 0x00 } },
        { "command complete, one byte short", EV(0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c),
          OP_RESET, false },
        { "command complete, length byte 255 in 7 bytes",
          EV(0x04, 0x0e, 0xff, 0x01, 0x03, 0x0c, 0x00), OP_RESET, false },
        { "command complete, bytes after it ignored",
          EV(0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00, 0xde, 0xad), OP_RESET, true, 0x0e, 1,
          (const uint8_t[]){ 0x00 } },
        { "command status", EV(0x04, 0x0f, 0x04, 0x00, 0x01, 0x0c, 0x20),
          OP_LE_SET_SCAN_ENABLE, true, 0x0f, 1, (const uint8_t[]){ 0x00 } },
        { "command status, unknown command", EV(0x04, 0x0f, 0x04, 0x01, 0x01, 0x0c, 0x20),
          OP_LE_SET_SCAN_ENABLE, true, 0x0f, 1, (const uint8_t[]){ 0x01 } },
        { "command status, longer than its fields",
          EV(0x04, 0x0f, 0x06, 0x02, 0x01, 0x0c, 0x20, 0x77, 0x88),
          OP_LE_SET_SCAN_ENABLE, true, 0x0f, 1, (const uint8_t[]){ 0x02 } },
        { "command status without the opcode's high byte", EV(0x04, 0x0f, 0x03, 0x00, 0x01, 0x0c),
          OP_LE_SET_SCAN_ENABLE, false },
        { "command status for another opcode", EV(0x04, 0x0f, 0x04, 0x00, 0x01, 0x03, 0x0c),
          OP_LE_SET_SCAN_ENABLE, false },
        { "command status, one byte short", EV(0x04, 0x0f, 0x04, 0x00, 0x01, 0x0c),
          OP_LE_SET_SCAN_ENABLE, false },
        { "command status, the opcode where command complete has it",
          EV(0x04, 0x0f, 0x04, 0x01, 0x0c, 0x20, 0x00), OP_LE_SET_SCAN_ENABLE, false },
        { "LE meta, an advertising report",
          EV(0x04, 0x3e, 0x0c, 0x02, 0x01, 0x00, 0x00, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
             0x00, 0xc5), OP_LE_SET_SCAN_ENABLE, false },
        { "LE meta with the opcode's bytes where command complete has them",
          EV(0x04, 0x3e, 0x04, 0x01, 0x0c, 0x20, 0x00), OP_LE_SET_SCAN_ENABLE, false },
        { "hardware error", EV(0x04, 0x10, 0x01, 0x00), OP_RESET, false },
        { "number of completed packets",
          EV(0x04, 0x13, 0x05, 0x01, 0x03, 0x0c, 0x01, 0x00), OP_RESET, false },
        { "vendor event", EV(0x04, 0xff, 0x04, 0x01, 0x03, 0x0c, 0x00), OP_RESET, false },
        { "an ACL data packet", EV(0x02, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00), OP_RESET, false },
        { "a command packet", EV(0x01, 0x03, 0x0c, 0x00), OP_RESET, false },
        { "packet type 0", EV(0x00, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00), OP_RESET, false },
        { "type and event code only", EV(0x04, 0x0e), OP_RESET, false },
        { "type only", EV(0x04), OP_RESET, false },
        { "nothing", NULL, 0, OP_RESET, false },
};

/* The parser on a copy of ev of exactly len bytes, with data exactly
 * 255 bytes; the outputs start as sentinels. */
static bool parse(const uint8_t *ev, size_t len, uint16_t opcode,
                  uint8_t *ret_event, uint8_t *data, size_t *ret_n)
{
        uint8_t *copy = malloc(len > 0 ? len : 1);
        bool r;

        ck_assert_ptr_nonnull(copy);
        if (len > 0)
                memcpy(copy, ev, len);
        r = bt_hci_event_parse(copy, len, opcode, ret_event, data, ret_n);
        free(copy);
        return r;
}

static void check_untouched(const char *name, uint8_t event, const uint8_t *data, size_t n)
{
        ck_assert_msg(event == SENTINEL && n == SIZE_MAX, "%s: outputs set on a refusal", name);
        for (size_t i = 0; i < 255; i++)
                ck_assert_msg(data[i] == SENTINEL, "%s: data[%zu] written on a refusal", name, i);
}

START_TEST(test_hci_table)
{
        const struct hci_case *c = &hci_cases[_i];
        uint8_t *data = malloc(255), event = SENTINEL;
        size_t n = SIZE_MAX;
        bool r;

        ck_assert_ptr_nonnull(data);
        memset(data, SENTINEL, 255);
        r = parse(c->ev, c->len, c->opcode, &event, data, &n);
        ck_assert_msg(r == c->answer, "%s: got %d, expected %d", c->name, r, c->answer);
        if (c->answer) {
                ck_assert_msg(event == c->event, "%s: event 0x%02x", c->name, event);
                ck_assert_msg(n == c->n, "%s: %zu bytes, expected %zu", c->name, n, c->n);
                if (c->n > 0)
                        ck_assert_msg(memcmp(data, c->data, c->n) == 0, "%s: wrong data", c->name);
                for (size_t i = c->n; i < 255; i++)
                        ck_assert_msg(data[i] == SENTINEL, "%s: data[%zu] written", c->name, i);
        } else {
                check_untouched(c->name, event, data, n);
        }
        free(data);
}
END_TEST

/*
 * Every parameter length a length byte can give, for both answers: a
 * whole event is an answer once it holds its fixed fields (3 bytes for
 * Command Complete, 4 for Command Status), an event one byte short of
 * its length never is, and a byte after it changes nothing.
 */
START_TEST(test_hci_every_length)
{
        const uint8_t codes[] = { 0x0e, 0x0f };

        for (size_t k = 0; k < sizeof(codes); k++) {
                bool complete = codes[k] == 0x0e;
                size_t fixed = complete ? 3 : 4;

                for (unsigned plen = 0; plen <= 255; plen++) {
                        uint8_t ev[3 + 255 + 1], *data = malloc(255), event;
                        size_t n;
                        char name[64];
                        bool r;

                        ck_assert_ptr_nonnull(data);
                        ev[0] = 0x04;
                        ev[1] = codes[k];
                        ev[2] = (uint8_t)plen;
                        for (size_t i = 3; i < sizeof(ev); i++)
                                ev[i] = (uint8_t)(i * 7);
                        /* ncmd, opcode (Complete); status, ncmd, opcode (Status) */
                        ev[complete ? 4 : 5] = OP_RESET & 0xff;
                        ev[complete ? 5 : 6] = OP_RESET >> 8;

                        for (int extra = -1; extra <= 1; extra++) {
                                size_t len = 3 + plen;

                                if (extra < 0 && plen == 0)
                                        continue;
                                if (extra < 0)
                                        len--;
                                else
                                        len += (size_t)extra;

                                snprintf(name, sizeof(name), "event 0x%02x, length %u, %zu bytes",
                                         codes[k], plen, len);
                                memset(data, SENTINEL, 255);
                                event = SENTINEL;
                                n = SIZE_MAX;
                                r = parse(ev, len, OP_RESET, &event, data, &n);
                                if (len < 3 + plen || plen < fixed) {
                                        ck_assert_msg(!r, "%s: accepted", name);
                                        check_untouched(name, event, data, n);
                                        continue;
                                }
                                ck_assert_msg(r, "%s: refused", name);
                                ck_assert_msg(event == codes[k], "%s: event 0x%02x", name, event);
                                if (complete) {
                                        ck_assert_msg(n == plen - 3, "%s: %zu bytes", name, n);
                                        ck_assert_msg(n == 0 || memcmp(data, ev + 6, n) == 0,
                                                      "%s: wrong return parameters", name);
                                } else {
                                        ck_assert_msg(n == 1 && data[0] == ev[3], "%s: status", name);
                                }
                                for (size_t i = n; i < 255; i++)
                                        ck_assert_msg(data[i] == SENTINEL, "%s: data[%zu] written",
                                                      name, i);
                                /* The same event answers no other opcode. */
                                memset(data, SENTINEL, 255);
                                event = SENTINEL;
                                n = SIZE_MAX;
                                ck_assert_msg(!parse(ev, len, OP_RESET ^ 0x0100, &event, data, &n),
                                              "%s: answers another opcode", name);
                                check_untouched(name, event, data, n);
                        }
                        free(data);
                }
        }
}
END_TEST

static const struct filter_case {
        const char *name;
        const uint8_t *events;
        size_t n;
        uint32_t mask[2];        /* event_mask[0], event_mask[1] */
} filter_cases[] = {
        { "no events: the kernel's hci_sec_filter", NULL, 0, { 0x1000d9fe, 0x0000b00c } },
        { "command complete and status", EV(0x0e, 0x0f), { 1u << 14 | 1u << 15, 0 } },
        { "LE meta", EV(0x3e), { 0, 1u << 30 } },
        { "the lowest and highest of 64", EV(0x00, 0x3f), { 1u << 0, 1u << 31 } },
        { "vendor event 0xff: bit 63", EV(0xff), { 0, 1u << 31 } },
        { "0x40 shares bit 0", EV(0x40), { 1u << 0, 0 } },
        { "0x4e shares command complete's bit", EV(0x0e, 0x4e, 0x8e, 0xce), { 1u << 14, 0 } },
        { "a code twice", EV(0x13, 0x13), { 1u << 19, 0 } },
};

START_TEST(test_event_filter)
{
        const struct filter_case *c = &filter_cases[_i];
        struct hci_filter f;

        memset(&f, 0x5a, sizeof(f));
        bt_event_filter(c->events, c->n, &f);
        ck_assert_msg(f.type_mask == 1u << 0x04, "%s: type mask 0x%x", c->name, f.type_mask);
        ck_assert_msg(f.event_mask[0] == c->mask[0] && f.event_mask[1] == c->mask[1],
                      "%s: events %08x:%08x, expected %08x:%08x", c->name, f.event_mask[1],
                      f.event_mask[0], c->mask[1], c->mask[0]);
        ck_assert_msg(f.opcode == 0, "%s: opcode 0x%x", c->name, f.opcode);
}
END_TEST

/* Every code, alone, sets exactly the bit the kernel tests for it. */
START_TEST(test_event_filter_every_code)
{
        for (unsigned code = 0; code <= 0xff; code++) {
                uint8_t e = (uint8_t)code;
                unsigned bit = code & 63;
                struct hci_filter f;

                bt_event_filter(&e, 1, &f);
                ck_assert_msg(f.event_mask[bit >> 5] == 1u << (bit & 31) &&
                              f.event_mask[!(bit >> 5)] == 0, "event 0x%02x: %08x:%08x", code,
                              f.event_mask[1], f.event_mask[0]);
        }
}
END_TEST

Suite *make_bluetooth_suite(void)
{
        Suite *s = suite_create("bluetooth");
        TCase *tc = tcase_create("events");

        tcase_add_loop_test(tc, test_hci_table, 0, (int)(sizeof(hci_cases) / sizeof(hci_cases[0])));
        tcase_add_test(tc, test_hci_every_length);
        suite_add_tcase(s, tc);
        tc = tcase_create("filter");
        tcase_add_loop_test(tc, test_event_filter, 0, (int)(sizeof(filter_cases) / sizeof(filter_cases[0])));
        tcase_add_test(tc, test_event_filter_every_code);
        suite_add_tcase(s, tc);
        return s;
}
