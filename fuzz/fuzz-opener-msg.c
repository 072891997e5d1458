/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-opener-msg.c - opener_msg_check(), the exact check the opener
 * and the broker apply to every message from each other.
 *
 * Input: one byte for the number of descriptors that came along (its
 * value modulo OPENER_MAX_SPARES + 2: none, up to the most any message
 * carries, or one too many for any), then the message. The message is copied to a buffer of exactly its length, so a
 * field read before the length is checked is an overflow ASan sees. An
 * accepted message must have exactly the size of its type, the version,
 * the descriptor count of its type, terminated strings, and an OPEN's
 * address fields within the kernel's, and zero where not flagged.
 */
#include "config.h"

#include "daemon/shared/opener-proto.h"
#include "daemon/broker/opener-send.h"
#include "policy/policy.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct opener_hdr hdr;
        size_t n_fds, len;
        uint8_t *msg;
        int r;

        if (size < 1)
                return 0;
        n_fds = data[0] % (OPENER_MAX_SPARES + 2);
        len = size - 1;
        msg = calloc(1, len > 0 ? len : 1);
        if (!msg)
                return 0;
        if (len > 0)
                memcpy(msg, data + 1, len);

        r = opener_msg_check(msg, len, n_fds);
        if (r < 0) {
                free(msg);
                return 0;
        }

        FUZZ_ASSERT(len >= sizeof(hdr), "accepted %zu bytes, shorter than a header", len);
        memcpy(&hdr, msg, sizeof(hdr));
        FUZZ_ASSERT(hdr.version == OPENER_PROTO_VERSION, "accepted version %u", hdr.version);
        FUZZ_ASSERT(r == hdr.type, "returned %d for type %u", r, hdr.type);
        FUZZ_ASSERT(len == opener_msg_size((enum opener_msg_type)r) && len <= OPENER_MAX_MESSAGE,
                    "accepted %zu bytes for type %d", len, r);

        switch ((enum opener_msg_type)r) {
        case OPENER_MSG_SPARE:
        case OPENER_MSG_OPEN: {
                struct opener_open m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(r == OPENER_MSG_OPEN ? m.count == 1
                                                 : m.count >= 1 && m.count <= OPENER_MAX_SPARES &&
                                                   (m.family == AF_INET || m.family == AF_INET6) &&
                                                   m.addr_flags == 0,
                            "%s of %u sockets, family %d, address flags 0x%x",
                            r == OPENER_MSG_OPEN ? "open" : "spare", m.count, m.family, m.addr_flags);
                FUZZ_ASSERT(m.reserved == 0, "open: reserved %u", m.reserved);
                FUZZ_ASSERT(n_fds == ((m.flags & OPENER_OPEN_CLIENT_NETNS) ? 1u : 0u),
                            "open with %zu fds, flags 0x%x", n_fds, m.flags);
                FUZZ_ASSERT(memchr(m.ifname, '\0', sizeof(m.ifname)), "open: ifname not terminated");
                FUZZ_ASSERT(!(m.flags & ~(uint32_t)(OPENER_OPEN_NONBLOCK | OPENER_OPEN_CLIENT_NETNS)),
                            "open: flags 0x%x", m.flags);
                FUZZ_ASSERT(!(m.addr_flags & ~(uint32_t)_OPENER_ADDR_ALL),
                            "open: address flags 0x%x", m.addr_flags);
                FUZZ_ASSERT(!(m.addr_flags & OPENER_ADDR_DEV) || m.dev <= 0xfffe,
                            "open: device %u", m.dev);
                FUZZ_ASSERT(!(m.addr_flags & OPENER_ADDR_CHANNEL) || m.channel <= 0xffff,
                            "open: channel %u", m.channel);
                FUZZ_ASSERT(!(m.addr_flags & OPENER_ADDR_PSM) || m.psm <= 0xffff, "open: PSM %u", m.psm);
                FUZZ_ASSERT(!(m.addr_flags & OPENER_ADDR_J1939) ||
                            (m.j1939_addr <= 0xff && m.j1939_pgn <= 0x40000),
                            "open: J1939 address %u, PGN 0x%x", m.j1939_addr, m.j1939_pgn);
                FUZZ_ASSERT((m.addr_flags & OPENER_ADDR_CAN_IDS) || (!m.rx_id && !m.tx_id),
                            "open: ISO-TP ids without their flag");
                FUZZ_ASSERT((m.addr_flags & OPENER_ADDR_J1939) ||
                            (!m.j1939_name && !m.j1939_pgn && !m.j1939_addr),
                            "open: a J1939 address without its flag");
                FUZZ_ASSERT((m.addr_flags & OPENER_ADDR_DEV) || !m.dev, "open: dev without its flag");
                FUZZ_ASSERT((m.addr_flags & OPENER_ADDR_CHANNEL) || !m.channel,
                            "open: channel without its flag");
                FUZZ_ASSERT((m.addr_flags & OPENER_ADDR_PSM) || !m.psm, "open: PSM without its flag");
                break;
        }
        case OPENER_MSG_LINK: {
                struct opener_link m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(n_fds == ((m.flags & OPENER_OPEN_CLIENT_NETNS) ? 1u : 0u),
                            "link with %zu fds, flags 0x%x", n_fds, m.flags);
                FUZZ_ASSERT(m.ifname[0] && memchr(m.ifname, '\0', sizeof(m.ifname)),
                            "link: ifname empty or not terminated");
                FUZZ_ASSERT(m.op == OPENER_LINK_UP || m.op == OPENER_LINK_DOWN ||
                            m.op == OPENER_LINK_BITRATE, "link: operation %u", m.op);
                FUZZ_ASSERT(m.reserved == 0, "link: reserved %u", m.reserved);
                break;
        }
        case OPENER_MSG_HCI: {
                struct opener_hci m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(n_fds == 0, "hci with %zu fds", n_fds);
                FUZZ_ASSERT(m.dev <= 0xfffe && m.opcode <= 0xffff, "hci: dev %u opcode 0x%x",
                            m.dev, m.opcode);
                FUZZ_ASSERT(m.n_params <= OPENER_HCI_MAX_PARAMS, "hci: %u parameter bytes", m.n_params);
                for (size_t i = m.n_params; i < sizeof(m.params); i++)
                        FUZZ_ASSERT(m.params[i] == 0, "hci: byte %zu beyond the parameters", i);
                break;
        }
        case OPENER_MSG_HCI_DONE: {
                struct opener_hci_done m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(n_fds == 0, "hci done with %zu fds", n_fds);
                FUZZ_ASSERT(m.error >= 0 && m.error <= 4095, "hci done: error %d", m.error);
                FUZZ_ASSERT(m.n_data <= OPENER_HCI_MAX_PARAMS, "hci done: %u data bytes", m.n_data);
                FUZZ_ASSERT(strcmp(opener_stage_to_string((enum opener_stage)m.stage), "unknown") != 0,
                            "hci done: stage %u", m.stage);
                break;
        }
        case OPENER_MSG_SPARES: {
                struct opener_spares m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(n_fds == m.count && m.count <= OPENER_MAX_SPARES,
                            "spares: %u counted, %zu fds", m.count, n_fds);
                FUZZ_ASSERT(m.error >= 0 && m.error <= 4095 && (m.error == 0) == (m.count != 0),
                            "spares: error %d with %u sockets", m.error, m.count);
                FUZZ_ASSERT(m.reserved == 0 && m.stage < _OPENER_STAGE_MAX, "spares: reserved %u, "
                            "stage %u", m.reserved, m.stage);
                break;
        }
        case OPENER_MSG_RELOAD:
                FUZZ_ASSERT(n_fds == 0, "reload with %zu fds", n_fds);
                break;
        case OPENER_MSG_CLOSE:
                FUZZ_ASSERT(n_fds == 1, "close with %zu fds", n_fds);
                break;
        case OPENER_MSG_BIND: {
                struct opener_bind m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(n_fds == 1, "bind with %zu fds", n_fds);
                FUZZ_ASSERT(m.family == AF_INET || m.family == AF_INET6 || m.family == AF_BLUETOOTH,
                            "bind: family %d", m.family);
                FUZZ_ASSERT(m.port <= 0xffff && m.reserved == 0, "bind: port %u", m.port);
                break;
        }
        case OPENER_MSG_SETOPT: {
                struct opener_setopt m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(n_fds == 1, "setopt with %zu fds", n_fds);
                FUZZ_ASSERT(m.option >= OPENER_SOCKOPT_MARK && m.option <= OPENER_SOCKOPT_BINDTODEVICE,
                            "setopt: option %u", m.option);
                FUZZ_ASSERT(memchr(m.ifname, '\0', sizeof(m.ifname)), "setopt: ifname not terminated");
                break;
        }
        case OPENER_MSG_DONE: {
                struct opener_done m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(n_fds == 0, "done with %zu fds", n_fds);
                FUZZ_ASSERT(m.error >= 0 && m.error <= 4095, "done: error %d", m.error);
                break;
        }
        case OPENER_MSG_RESULT: {
                struct opener_result m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(m.error >= 0 && m.error <= 4095, "result: error %d", m.error);
                FUZZ_ASSERT(n_fds == (m.error == 0 ? 1u : 0u), "result %d with %zu fds", m.error, n_fds);
                FUZZ_ASSERT(strcmp(opener_stage_to_string((enum opener_stage)m.stage), "unknown") != 0,
                            "result: stage %u", m.stage);
                break;
        }
        case OPENER_MSG_POLICY: {
                struct opener_policy m;

                memcpy(&m, msg, sizeof(m));
                FUZZ_ASSERT(m.error >= 0 && m.error <= 4095, "policy: error %d", m.error);
                FUZZ_ASSERT(n_fds == (m.error == 0 ? 1u : 0u), "policy %d with %zu fds", m.error, n_fds);
                FUZZ_ASSERT(memchr(m.message, '\0', sizeof(m.message)), "policy: message not terminated");
                FUZZ_ASSERT(m.size <= OPENER_MAX_POLICY_IMAGE, "policy: image of %ju bytes",
                            (uintmax_t)m.size);
                break;
        }
        }

        free(msg);
        return 0;
}
