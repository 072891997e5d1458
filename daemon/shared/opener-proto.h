/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * opener-proto.h - the vocabulary between the broker and the opener.
 *
 * Fixed-size C structs over a SOCK_SEQPACKET socketpair, one per message,
 * versioned. The opener checks each message's length exactly against its
 * type before reading a field; an unknown type, a wrong length or an
 * unexpected descriptor from the broker is fatal to the opener, because
 * its only peer is then not behaving as the broker does.
 *
 * broker -> opener
 *   OPENER_MSG_OPEN    create a socket the way rule `rule_index` allows:
 *                      create family/type/protocol, bind to (ifindex,
 *                      protocol), pin to the device, attach a locked
 *                      filter; which of these apply follows from the
 *                      request and the rule, which the opener re-checks.
 *                      A packet socket's OPEN may end with the client's
 *                      own classic BPF program (struct opener_open_filter),
 *                      which runs after the confinement, in one program.
 *   OPENER_MSG_RELOAD  parse and compile the policy files again.
 *   OPENER_MSG_CLOSE   close the attached descriptor (a socket whose
 *                      client went away; its last close may be slow).
 *   OPENER_MSG_BIND    bind the attached client socket to a port, as rule
 *                      `rule_index` allows for the socket's real family,
 *                      type and protocol, which the opener reads itself.
 *   OPENER_MSG_SETOPT  set one privileged option on the attached socket,
 *                      likewise re-checked.
 *   OPENER_MSG_LINK    configure a link over rtnetlink (up, down, CAN
 *                      bitrate); a socket of the client's is attached
 *                      when the rule works in the client's namespace.
 *   OPENER_MSG_HCI     send one HCI command to a controller and wait for
 *                      its Command Complete or Command Status.
 *   OPENER_MSG_SPARE   make `count` raw IP sockets ahead, each as an OPEN
 *                      of the same fields would, in the opener's own
 *                      network namespace (spares, see daemon/broker/spares.h).
 *
 * opener -> broker
 *   OPENER_MSG_RESULT  the outcome of an OPEN, with the socket attached
 *                      when error == 0.
 *   OPENER_MSG_POLICY  a compiled policy image in a sealed memfd attached
 *                      (error == 0), or why the policy was not loaded.
 *   OPENER_MSG_DONE    the outcome of a BIND, SETOPT or LINK; no
 *                      descriptor.
 *   OPENER_MSG_HCI_DONE the outcome of an HCI command, with the event's
 *                      return parameters.
 *   OPENER_MSG_SPARES  the outcome of a SPARE, with `count` sockets
 *                      attached when error == 0.
 */
#pragma once

#include <linux/filter.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 3: the wire's own option and link constants (enum opener_sockopt,
 * enum opener_link_op), independent of the policy's enums. 4: spares
 * (SPARE, SPARES, an OPEN's count) and the opener's netns cookie. 5: an
 * OPEN's filter. */
#define OPENER_PROTO_VERSION 5u
/* The most instructions of a client's filter: what a client's request
 * can carry (SB_PROTO_MAX_FILTER), and, with the confinement before it,
 * well under the kernel's BPF_MAXINSNS. */
#define OPENER_MAX_FILTER 480u
#define OPENER_MAX_MESSAGE 4096u
/* How long the opener waits for an HCI controller by default (--hci-timeout). */
#define OPENER_HCI_TIMEOUT_MS_DEFAULT 2000u
#define OPENER_MAX_POLICY_IMAGE (512u * 1024u * 1024u)

enum opener_msg_type {
        OPENER_MSG_OPEN = 1,
        OPENER_MSG_RELOAD = 2,
        OPENER_MSG_CLOSE = 3,
        OPENER_MSG_BIND = 4,
        OPENER_MSG_SETOPT = 5,
        OPENER_MSG_LINK = 6,
        OPENER_MSG_HCI = 7,
        OPENER_MSG_SPARE = 8,
        OPENER_MSG_RESULT = 16,
        OPENER_MSG_POLICY = 17,
        OPENER_MSG_DONE = 18,
        OPENER_MSG_HCI_DONE = 19,
        OPENER_MSG_SPARES = 20,
};

/* The most sockets one SPARE asks for (and one SPARES carries). */
#define OPENER_MAX_SPARES 4u

enum opener_open_flags {
        OPENER_OPEN_NONBLOCK = 1u << 0,
        /* A socket of the client's is attached: create the new socket in
         * that socket's network namespace (netns=client). */
        OPENER_OPEN_CLIENT_NETNS = 1u << 1,
};

/* Which of the address fields of an OPEN are set. */
enum opener_addr_flags {
        OPENER_ADDR_CAN_IDS = 1u << 0,   /* rx_id, tx_id (ISO-TP) */
        OPENER_ADDR_J1939 = 1u << 1,     /* j1939_name, j1939_pgn, j1939_addr */
        OPENER_ADDR_CAN_FD = 1u << 2,    /* CAN FD frames */
        OPENER_ADDR_DEV = 1u << 3,       /* dev (HCI controller) */
        OPENER_ADDR_CHANNEL = 1u << 4,   /* channel (HCI or RFCOMM) */
        OPENER_ADDR_PSM = 1u << 5,       /* psm (L2CAP) */
        _OPENER_ADDR_ALL = (1u << 6) - 1,
};

/* The largest PGN of an OPEN's J1939 address: J1939_NO_PGN, "none". */
#define OPENER_J1939_NO_PGN 0x40000u

/*
 * The values on the wire are fixed here, each spelled out, and pinned by
 * a test: the broker and the opener may be installed apart, and the
 * policy's own enums may be reordered at will. opener_sockopt_to_policy()
 * and the rest map between the two (the broker's way, _from_policy(), is
 * in daemon/broker/opener-send.h).
 */
enum opener_sockopt {
        OPENER_SOCKOPT_MARK = 1,
        OPENER_SOCKOPT_PRIORITY = 2,
        OPENER_SOCKOPT_RCVBUFFORCE = 3,
        OPENER_SOCKOPT_SNDBUFFORCE = 4,
        OPENER_SOCKOPT_BINDTODEVICE = 5,
};

enum opener_link_op {
        OPENER_LINK_UP = 1,
        OPENER_LINK_DOWN = 2,
        OPENER_LINK_BITRATE = 3,
};

/* Where an OPEN failed, so the broker can say so. */
enum opener_stage {
        OPENER_STAGE_NONE = 0,
        OPENER_STAGE_CREATE = 1,
        OPENER_STAGE_INTERFACE = 2,
        OPENER_STAGE_BIND = 3,
        OPENER_STAGE_PIN = 4,
        OPENER_STAGE_FILTER = 5,
        OPENER_STAGE_SETOPT = 6,
        OPENER_STAGE_NETNS = 7,
        OPENER_STAGE_LINK = 8,   /* the rtnetlink request */
        OPENER_STAGE_DEVICE = 9, /* an HCI controller: lookup, or a command to it */
        _OPENER_STAGE_MAX,
};

struct opener_hdr {
        uint16_t version;
        uint16_t type;
        uint32_t seq;
};

struct opener_open {
        struct opener_hdr hdr;
        uint32_t generation;     /* policy the broker decided with */
        uint32_t rule_index;     /* the allow rule it matched */
        int32_t family;
        int32_t type;
        uint32_t protocol;       /* host order; EtherType for packet */
        uint32_t flags;          /* enum opener_open_flags */
        char ifname[IFNAMSIZ];   /* NUL-padded; empty for none */
        uint32_t addr_flags;     /* enum opener_addr_flags */
        uint32_t rx_id;
        uint32_t tx_id;
        uint32_t j1939_pgn;
        uint64_t j1939_name;
        uint32_t j1939_addr;
        uint32_t dev;
        uint32_t channel;
        uint32_t psm;
        uint32_t count;          /* sockets: 1 for an OPEN, 1 to OPENER_MAX_SPARES
                                  * for a SPARE */
        uint16_t filter_len;     /* instructions after the struct (OPEN of a
                                  * packet socket); else 0 */
        uint16_t reserved;       /* zero */
};

/* An OPEN with the client's filter: the message is the struct up to
 * filter[filter_len], in host order as SO_ATTACH_FILTER takes it. */
struct opener_open_filter {
        struct opener_open open;
        struct sock_filter filter[OPENER_MAX_FILTER];
};

struct opener_bind {
        struct opener_hdr hdr;   /* one descriptor attached: the client's socket */
        uint32_t generation;
        uint32_t rule_index;
        int32_t family;          /* AF_INET, AF_INET6 or AF_BLUETOOTH (L2CAP), as
                                  * the broker read it */
        uint32_t port;           /* or the PSM */
        uint8_t address[16];     /* network order, the first 4 bytes for AF_INET;
                                  * for L2CAP the first 6, a bdaddr_t (zero: any) */
        uint32_t scope_id;
        uint32_t reserved;       /* zero */
};

struct opener_setopt {
        struct opener_hdr hdr;   /* one descriptor attached: the client's socket */
        uint32_t generation;
        uint32_t rule_index;
        uint32_t option;         /* enum opener_sockopt */
        uint32_t reserved;       /* zero */
        uint64_t value;
        char ifname[IFNAMSIZ];   /* OPENER_SOCKOPT_BINDTODEVICE; NUL-padded */
};

struct opener_link {
        struct opener_hdr hdr;   /* a socket of the client's with OPENER_OPEN_CLIENT_NETNS */
        uint32_t generation;
        uint32_t rule_index;
        uint32_t op;             /* enum opener_link_op */
        uint32_t bitrate;        /* OPENER_LINK_BITRATE */
        uint32_t flags;          /* OPENER_OPEN_CLIENT_NETNS or 0 */
        uint32_t reserved;       /* zero */
        char ifname[IFNAMSIZ];   /* NUL-padded, not empty */
};

#define OPENER_HCI_MAX_PARAMS 255u

struct opener_hci {
        struct opener_hdr hdr;
        uint32_t generation;
        uint32_t rule_index;
        uint32_t dev;            /* controller index */
        uint32_t opcode;         /* OGF << 10 | OCF */
        uint32_t n_params;       /* <= OPENER_HCI_MAX_PARAMS */
        uint8_t params[OPENER_HCI_MAX_PARAMS + 1]; /* the rest zero */
};

struct opener_hci_done {
        struct opener_hdr hdr;
        int32_t error;           /* 0 or a positive errno */
        uint32_t stage;          /* enum opener_stage */
        uint32_t event;          /* HCI_EV_CMD_COMPLETE or HCI_EV_CMD_STATUS */
        uint32_t n_data;         /* <= OPENER_HCI_MAX_PARAMS */
        uint8_t data[OPENER_HCI_MAX_PARAMS + 1]; /* return parameters, or the status */
};

struct opener_reload {
        struct opener_hdr hdr;
};

struct opener_close {
        struct opener_hdr hdr;   /* one descriptor attached */
};

struct opener_result {
        struct opener_hdr hdr;
        int32_t error;           /* 0 or a positive errno */
        uint32_t stage;          /* enum opener_stage */
};

struct opener_spares {
        struct opener_hdr hdr;
        int32_t error;           /* 0 or a positive errno */
        uint32_t stage;          /* enum opener_stage */
        uint32_t count;          /* sockets attached: 1 to OPENER_MAX_SPARES, 0 on error */
        uint32_t reserved;       /* zero */
};

struct opener_done {
        struct opener_hdr hdr;
        int32_t error;           /* 0 or a positive errno */
        uint32_t stage;          /* enum opener_stage */
};

struct opener_policy {
        struct opener_hdr hdr;
        int32_t error;           /* 0 or a positive errno */
        uint32_t generation;
        uint64_t size;           /* image bytes in the memfd */
        uint64_t netns_cookie;   /* the opener's network namespace (SO_NETNS_COOKIE) */
        char message[512];       /* why, when error != 0; NUL-terminated */
};

/*
 * Checks a received message: length exactly that of its type, this
 * version, known type, the number of descriptors the type carries,
 * NUL-terminated strings, and numbers within what their fields hold: an
 * OPEN's dev at most 0xfffe, channel and psm 0xffff, J1939 address 0xff
 * and PGN OPENER_J1939_NO_PGN when its addr_flags set them, and zero
 * when they do not. Returns the type, or a negative errno:
 * -EBADMSG (length, version, strings), -EBADRQC (unknown type),
 * -EBADF (descriptor count).
 */
int opener_msg_check(const void *buf, size_t len, size_t n_fds);

/* Size of a message of the given type, or 0 for an unknown type; for an
 * OPEN, without a filter. */
size_t opener_msg_size(enum opener_msg_type type);

/*
 * Checks a client's classic BPF program as the kernel will
 * (bpf_check_classic() in net/core/filter.c), so that it is refused with
 * a reason before it reaches a socket: 1 to OPENER_MAX_FILTER
 * instructions, each a classic opcode the kernel knows, every jump
 * within the program, no division by a constant zero, scratch memory
 * M[0] to M[15], and a return last. Returns NULL, or why not.
 */
const char *opener_filter_check(const struct sock_filter *filter, size_t n);

struct policy_request;

/* The policy's constants for the wire's; false for a value the wire does
 * not define. The broker's way there is daemon/broker/opener-send.h. */
bool opener_sockopt_to_policy(uint32_t option, int *ret);
bool opener_link_op_to_policy(uint32_t op, int *ret);

/* Reads an OPEN request (family, type, protocol, interface and address
 * fields) from m; an address field its flag does not set is zero. The
 * request's strings point into m. */
void opener_open_get_request(const struct opener_open *m, struct policy_request *req);
