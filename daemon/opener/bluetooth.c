/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluetooth.c - HCI controllers: addresses, event filters, commands.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/opener/bluetooth.h"

/* The event mask of the kernel's hci_sec_filter (net/bluetooth/hci_sock.c). */
static const uint32_t sec_filter_events[2] = { 0x1000d9fe, 0x0000b00c };

static int hci_socket(void)
{
        int fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);

        return fd < 0 ? negative_errno() : fd;
}

int bt_device_address(uint16_t dev, bdaddr_t *ret)
{
        struct hci_dev_info di = { .dev_id = dev };
        _cleanup_close_ int fd = -1;

        fd = hci_socket();
        if (fd < 0)
                return fd;
        if (ioctl(fd, HCIGETDEVINFO, &di) < 0)
                return negative_errno();
        *ret = di.bdaddr;
        return 0;
}

void bt_event_filter(const uint8_t *events, size_t n_events, struct hci_filter *ret)
{
        *ret = (struct hci_filter) { .type_mask = 1u << HCI_EVENT_PKT };
        if (n_events == 0) {
                memcpy(ret->event_mask, sec_filter_events, sizeof(ret->event_mask));
                return;
        }
        for (size_t i = 0; i < n_events; i++) {
                unsigned bit = events[i] & HCI_FLT_EVENT_BITS;

                ret->event_mask[bit >> 5] |= 1u << (bit & 31);
        }
}

int bt_set_event_filter(int fd, const uint8_t *events, size_t n_events)
{
        struct hci_filter f;

        bt_event_filter(events, n_events, &f);
        if (setsockopt(fd, SOL_HCI, HCI_FILTER, &f, sizeof(f)) < 0)
                return negative_errno();
        return 0;
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool bt_hci_event_parse(const uint8_t *ev, size_t n, uint16_t opcode,
                        uint8_t *ret_event, uint8_t *data, size_t *ret_n)
{
        size_t plen;

        /* type, event code, length, then the parameters */
        if (n < 3 || ev[0] != HCI_EVENT_PKT)
                return false;
        plen = ev[2];
        if (n < 3 + plen)
                return false;
        if (ev[1] == HCI_EV_CMD_COMPLETE && plen >= 3 && (ev[4] | ev[5] << 8) == opcode) {
                /* ncmd, opcode, return parameters */
                *ret_event = HCI_EV_CMD_COMPLETE;
                *ret_n = plen - 3;
                memcpy(data, ev + 6, plen - 3);
                return true;
        }
        if (ev[1] == HCI_EV_CMD_STATUS && plen >= 4 && (ev[5] | ev[6] << 8) == opcode) {
                /* status, ncmd, opcode */
                *ret_event = HCI_EV_CMD_STATUS;
                *ret_n = 1;
                data[0] = ev[3];
                return true;
        }
        return false;
}

int bt_hci_command(uint16_t dev, uint16_t opcode, const uint8_t *params, size_t n_params,
                   unsigned timeout_ms, uint8_t *ret_event, uint8_t *data, size_t *ret_n)
{
        struct sockaddr_hci sa = { .hci_family = AF_BLUETOOTH, .hci_dev = dev,
                                   .hci_channel = HCI_CHANNEL_RAW };
        static const uint8_t answers[] = { HCI_EV_CMD_COMPLETE, HCI_EV_CMD_STATUS };
        uint8_t pkt[4 + 255], ev[2 + 255 + 1];
        _cleanup_close_ int fd = -1;
        int64_t deadline = now_ms() + timeout_ms;
        ssize_t n;
        int r;

        if (n_params > 255)
                return -EINVAL;
        fd = hci_socket();
        if (fd < 0)
                return fd;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return negative_errno();
        r = bt_set_event_filter(fd, answers, ELEMENTSOF(answers));
        if (r < 0)
                return r;

        pkt[0] = HCI_COMMAND_PKT;
        pkt[1] = (uint8_t)(opcode & 0xff);
        pkt[2] = (uint8_t)(opcode >> 8);
        pkt[3] = (uint8_t)n_params;
        if (n_params)
                memcpy(pkt + 4, params, n_params);
        n = write(fd, pkt, 4 + n_params);
        if (n < 0)
                return negative_errno();
        if ((size_t)n != 4 + n_params)
                return -EIO;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int64_t left = deadline - now_ms();

                if (left <= 0)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int)left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return negative_errno();
                if (r == 0)
                        return -ETIMEDOUT;
                n = read(fd, ev, sizeof(ev));
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return negative_errno();
                if (bt_hci_event_parse(ev, (size_t)n, opcode, ret_event, data, ret_n))
                        return 0;
        }
}
