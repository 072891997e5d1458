/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluetooth.h - what the opener does with HCI controllers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bt.h"

/* The controller's own address, for binding L2CAP, RFCOMM and SCO
 * sockets to it. */
int bt_device_address(uint16_t dev, bdaddr_t *ret);

/*
 * Lets a raw HCI socket receive event packets with the given event codes
 * (n_events == 0: those the kernel lets any process ask for, its
 * hci_sec_filter). Set by a process with CAP_NET_RAW, the filter is not
 * reduced; the client may later only narrow it to hci_sec_filter.
 */
int bt_set_event_filter(int fd, const uint8_t *events, size_t n_events);

/*
 * The filter bt_set_event_filter() sets, in *ret. The kernel's filter
 * has 64 event bits and tests an event by its code's low six bits
 * (HCI_FLT_EVENT_BITS), so a code from 0x40 up, such as the vendor
 * event 0xff, is passed by the bit it shares with one below it. Pure.
 */
void bt_event_filter(const uint8_t *events, size_t n_events, struct hci_filter *ret);

/*
 * Sends one HCI command to controller dev on a raw socket of its own and
 * waits up to timeout_ms for the Command Complete or Command Status event
 * that answers it. On success *ret_event is HCI_EV_CMD_COMPLETE (data:
 * the return parameters, status first) or HCI_EV_CMD_STATUS (data: the
 * status byte). data must hold 255 bytes. Every packet the controller
 * sends meanwhile goes through bt_hci_event_parse(), which skips all but
 * that answer.
 */
int bt_hci_command(uint16_t dev, uint16_t opcode, const uint8_t *params, size_t n_params,
                   unsigned timeout_ms, uint8_t *ret_event, uint8_t *data, size_t *ret_n);

/*
 * Whether ev, n bytes read from a raw HCI socket (packet type, event
 * code, parameter length, parameters), is the Command Complete or the
 * Command Status event that answers opcode. If it is, sets *ret_event,
 * data and *ret_n as bt_hci_command() does and returns true; the return
 * parameters of a Command Complete are at most 252 bytes. Otherwise
 * returns false and leaves the three alone: a packet of another type,
 * another event (LE Meta, say), an answer to another opcode, or one
 * shorter than its length byte or its event's fixed fields. Bytes after
 * the parameters are ignored. Pure: it is the only code in the opener
 * that reads bytes a device wrote.
 */
bool bt_hci_event_parse(const uint8_t *ev, size_t n, uint16_t opcode,
                        uint8_t *ret_event, uint8_t *data, size_t *ret_n);
