/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.h - the sockbroker policy: its rules, and the image they travel
 * in, imported and evaluated.
 *
 * sockbroker-compiler parses and compiles the policy text and exports
 * the compiled form as one flat, self-contained image (policy-compile.h).
 * The opener imports it with policy_import_rules(), which leaves out the
 * rules' selectors, and forwards the same bytes to the unprivileged
 * broker, which imports it, selectors and all, with policy_import() and
 * decides with policy_check() (policy-decide.h); the
 * opener re-checks each request against the rule the broker named with
 * policy_rule_permits(), which ignores identity, so a compromised broker
 * can obtain no socket that no allow rule describes. This header is what
 * the opener may use; policy-decide.h and policy-compile.h are not.
 *
 * Everything here is pure: no I/O, no logging. Errors are negative errno
 * values.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define POLICY_DEFAULT_PATH "/etc/sockbroker/policy.conf"
#define POLICY_DEFAULT_DROPIN_DIR "/etc/sockbroker/policy.d"

/* Limits of the language. Each is a hard error when exceeded. */
#define POLICY_MAX_RULES 100000u
#define POLICY_MAX_LINE 4096u
#define POLICY_MAX_LIST 32u        /* items in one comma list (proto=, iface=) */
#define POLICY_MAX_STRING 256u     /* a unit name, cgroup prefix or glob */
#define POLICY_MAX_FILES 256u

typedef struct policy policy;


/* The operations a rule can allow. A rule allows POLICY_OP_OPEN by its
 * family/type/proto/iface words alone; every other operation needs the
 * word that names it (bind=, option=, link=, command=) or, for
 * POLICY_OP_STATUS, the family word "admin". */
enum policy_op {
        POLICY_OP_OPEN,          /* create, bind and confine a socket */
        POLICY_OP_BIND,          /* bind a client's socket to a port or PSM */
        POLICY_OP_SETOPT,        /* set a privileged option on a client's socket */
        POLICY_OP_LINK,          /* configure a link: up, down, bitrate */
        POLICY_OP_HCI_COMMAND,   /* send an HCI command on the client's behalf */
        POLICY_OP_STATUS,        /* read the daemon's status and grants */
};

/* Socket options a rule can allow with option=NAME[:RANGE]. */
enum policy_sockopt {
        POLICY_SOCKOPT_NONE,
        POLICY_SOCKOPT_MARK,         /* "mark": SO_MARK, value range */
        POLICY_SOCKOPT_PRIORITY,     /* "priority": SO_PRIORITY, value range */
        POLICY_SOCKOPT_RCVBUFFORCE,  /* "rcvbufforce": bytes range */
        POLICY_SOCKOPT_SNDBUFFORCE,  /* "sndbufforce": bytes range */
        POLICY_SOCKOPT_BINDTODEVICE, /* "bindtodevice": no range; the device must
                                      * match the rule's iface= (any without it) */
        _POLICY_SOCKOPT_MAX,
};

/* Link operations a rule can allow with link=up,down,bitrate. */
enum policy_link_op {
        POLICY_LINK_UP = 1u << 0,
        POLICY_LINK_DOWN = 1u << 1,
        POLICY_LINK_BITRATE = 1u << 2,
};

/* Where the socket is created: netns=client|host. */
enum policy_netns {
        POLICY_NETNS_DEFAULT,    /* client for inet/inet6/packet, host for can/bluetooth */
        POLICY_NETNS_CLIENT,
        POLICY_NETNS_HOST,
};

/* An inclusive range of numbers, lo <= hi. */
struct policy_range {
        uint64_t lo;
        uint64_t hi;
};

/* What a peer asks for, in kernel terms. Zero-initialised fields mean
 * "not part of the request". */
struct policy_request {
        enum policy_op op;
        int family;              /* AF_INET, AF_INET6, AF_PACKET, ... */
        int type;                /* SOCK_RAW, SOCK_DGRAM, ... (no flags) */
        uint32_t protocol;       /* host order; EtherType for AF_PACKET */
        const char *ifname;      /* interface (OPEN, SETOPT bindtodevice, LINK) */

        /* POLICY_OP_OPEN of CAN and Bluetooth sockets, and POLICY_OP_BIND */
        bool has_port;
        uint32_t port;           /* BIND: inet port or L2CAP PSM; OPEN: L2CAP PSM */
        bool has_channel;
        uint32_t channel;        /* RFCOMM channel, or HCI channel (HCI_CHANNEL_*) */
        bool has_dev;
        uint32_t dev;            /* HCI device index */
        bool has_can_ids;
        uint32_t rx_id, tx_id;   /* ISO-TP */
        bool has_j1939;
        uint64_t j1939_name;
        uint32_t j1939_pgn;
        uint32_t j1939_addr;
        bool can_fd;             /* CAN FD frames wanted (CAN_RAW_FD_FRAMES) */

        /* POLICY_OP_SETOPT */
        enum policy_sockopt sockopt;
        uint64_t value;

        /* POLICY_OP_LINK (ifname is the link) */
        enum policy_link_op link_op;
        uint32_t bitrate;

        /* POLICY_OP_HCI_COMMAND (dev is the controller) */
        uint32_t opcode;         /* OGF << 10 | OCF */
};


/* A compiled rule. Strings point into the policy and live as long as it. */
struct policy_rule {
        uint32_t index;          /* 0-based position over all files */
        bool allow;
        const char *file;
        uint32_t line;

        /* Selectors: all that are set must match. */
        bool everyone;           /* the 'everyone' selector */
        bool has_uid;
        uid_t uid;
        bool has_gid;
        gid_t gid;               /* primary or any supplementary group */
        const char *unit;        /* exact unit name, NULL if unset */
        const char *cgroup;      /* path prefix at a '/' boundary, NULL if unset */

        /* What it covers. 0 means any. Each list is its n items at a
         * pointer into the policy, which is never NULL. */
        int family;
        int type;
        uint32_t n_protocols;    /* 0: any protocol */
        const uint32_t *protocols;
        uint32_t n_ifaces;       /* 0: no interface constraint */
        const char *const *ifaces; /* fnmatch(3) globs */

        bool admin;              /* family word "admin": allows POLICY_OP_STATUS only */
        enum policy_netns netns; /* netns= */

        /* bind=RANGES: ports (inet) or PSMs (L2CAP) a client may have its
         * socket bound to (POLICY_OP_BIND; for L2CAP also the PSM of OPEN) */
        uint32_t n_ports;
        const struct policy_range *ports;
        /* option=NAME[:RANGE],...: for each allowed option, its range */
        uint32_t sockopts;       /* mask of 1u << enum policy_sockopt */
        struct policy_range sockopt_range[_POLICY_SOCKOPT_MAX];
        /* link=up,down,bitrate and bitrate=RANGES */
        uint32_t link_ops;       /* mask of enum policy_link_op */
        uint32_t n_bitrates;
        const struct policy_range *bitrates;

        /* CAN: rx=RANGES tx=RANGES (ISO-TP ids), addr=RANGES pgn=RANGES
         * name=RANGES (J1939), fd=yes|no (CAN FD, default no) */
        uint32_t n_rx, n_tx, n_addrs, n_pgns, n_names;
        const struct policy_range *rx, *tx, *addrs, *pgns, *names;
        bool can_fd;

        /* Bluetooth: dev=RANGES (HCI indexes), hci=raw,user,monitor,control
         * (HCI channels), channel=RANGES (RFCOMM), psm= is bind=,
         * events=LIST (HCI event codes the broker's HCI_FILTER passes),
         * command=LIST (HCI opcodes, e.g. 0x200b or le-set-scan-parameters,
         * the HciCommand operation may send) */
        uint32_t n_devs, n_channels;
        const struct policy_range *devs, *channels;
        uint32_t hci_channels;   /* mask of 1u << HCI_CHANNEL_* */
        uint32_t n_events;
        const uint8_t *events;
        uint32_t n_commands;
        const uint16_t *commands;
};

/* Whether r covers v. */
static inline bool policy_ranges_contain(const struct policy_range *r, uint32_t n, uint64_t v)
{
        for (uint32_t i = 0; i < n; i++)
                if (r[i].lo <= v && v <= r[i].hi)
                        return true;
        return false;
}

/* The namespace a rule's sockets are created in, its default resolved. */
enum policy_netns policy_rule_netns(const struct policy_rule *rule);

policy *policy_free(policy *p);

/* The flat image: host order, versioned, every offset and count
 * validated; policy_export() is in policy-compile.h. This imports what
 * the rules permit, for the opener, which only re-checks the rules the
 * broker names and ignores who they are for: their selectors are left
 * unset and unchecked. policy_import() (policy-decide.h) adds them and
 * the index policy_check() needs, and a policy imported here must never
 * be given to it. */
int policy_import_rules(const void *buf, size_t len, policy **ret);

size_t policy_n_rules(const policy *p);
const struct policy_rule *policy_get_rule(const policy *p, size_t index);


/* True when rule is an allow rule whose family, type, protocol and
 * interface constraints and, for req->op, operation words cover req.
 * Identity is not looked at. A rule matches a request in policy_check()
 * exactly when its selectors match the peer and, for an allow rule, this
 * holds; a deny rule matches by family/type/protocol/interface alone, for
 * every operation. */
bool policy_rule_permits(const struct policy_rule *rule, const struct policy_request *req);


/* True when rule, allow or deny, covers req, identity aside: what
 * policy_check() asks of each candidate whose selectors match. */
bool policy_rule_matches(const struct policy_rule *rule, const struct policy_request *req);

/* The Linux capabilities (CAP_* bit numbers as a mask, 1ULL << CAP_X)
 * the opener needs to serve every allow rule. */
uint64_t policy_capabilities(const policy *p);

