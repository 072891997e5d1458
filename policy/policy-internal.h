/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-internal.h - what the policy modules share and do not publish:
 * the layout of the exported image, struct policy, its index, and the
 * checks that the compiler and the importer both apply to words.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"
#include "policy/policy.h"

/*
 * The image, all integers in host order:
 *
 *   struct policy_image_header
 *   uint32_t file[n_files]                  string offsets of file names
 *   struct policy_image_rule rule[n_rules]
 *   uint32_t words[n_words]                 the items of the rules' lists
 *   char strings[strings_size]              NUL-terminated strings
 *
 * Its length is exactly the sum of those parts. Every field is a uint32_t
 * (arrays of them included), so the layout has no padding and does not
 * depend on the compiler. A rule's record has a fixed size and gives the
 * number of items in each of its lists (enum policy_image_list); the
 * items themselves are in words[], rule after rule and, within a rule,
 * list after list in the order of the enum, with no gaps: rule i's first
 * item follows rule i - 1's last, and the last rule's last item is the
 * last word. A list item is one word, a range two ({ lo, hi }), a 64-bit
 * range (J1939 NAMEs) four ({ lo & 0xffffffff, lo >> 32, hi & 0xffffffff,
 * hi >> 32 }). Fields that a rule does not use (an absent selector or
 * word, the range of an option not allowed) are zero, so each policy has
 * exactly one image.
 *
 * Version 2 added the operation words (bind=, option=, link=, bitrate=),
 * netns=, the CAN and Bluetooth address words and the family word admin.
 * Version 3 moved the lists out of the record, which had room for
 * POLICY_MAX_LIST items in each, into words[].
 */
#define POLICY_IMAGE_MAGIC "SBPOLICY"
#define POLICY_IMAGE_VERSION 3u
/* Bounds the string table; the other parts are bounded by the counts. */
#define POLICY_IMAGE_MAX_STRINGS (64u << 20)
/* A file name in the image, with its NUL. */
#define POLICY_MAX_PATH 4096u

enum {
        POLICY_IMAGE_RULE_ALLOW         = 1u << 0,
        POLICY_IMAGE_RULE_EVERYONE      = 1u << 1,
        POLICY_IMAGE_RULE_UID           = 1u << 2,
        POLICY_IMAGE_RULE_GID           = 1u << 3,
        POLICY_IMAGE_RULE_UNIT          = 1u << 4,
        POLICY_IMAGE_RULE_CGROUP        = 1u << 5,
        POLICY_IMAGE_RULE_ADMIN         = 1u << 6,      /* family word "admin" */
        POLICY_IMAGE_RULE_CAN_FD        = 1u << 7,      /* fd=yes */
        POLICY_IMAGE_RULE_FLAGS         = (1u << 8) - 1,
};

/* A rule's lists, in the order of their items in words[]. An item of
 * proto=, events= and command= is a number, of iface= a string offset,
 * of name= a 64-bit range and of the others a range. */
enum policy_image_list {
        POLICY_IMAGE_PROTOCOLS,         /* proto= */
        POLICY_IMAGE_IFACES,            /* iface= */
        POLICY_IMAGE_PORTS,             /* bind= */
        POLICY_IMAGE_BITRATES,          /* bitrate= */
        POLICY_IMAGE_RX,                /* rx= */
        POLICY_IMAGE_TX,                /* tx= */
        POLICY_IMAGE_ADDRS,             /* addr= */
        POLICY_IMAGE_PGNS,              /* pgn= */
        POLICY_IMAGE_NAMES,             /* name= */
        POLICY_IMAGE_DEVS,              /* dev= */
        POLICY_IMAGE_CHANNELS,          /* channel= */
        POLICY_IMAGE_EVENTS,            /* events= */
        POLICY_IMAGE_COMMANDS,          /* command= */
        _POLICY_IMAGE_LISTS,
};

/* An image's string table, and a non-empty string of at most max bytes
 * in it, at offset, ending with its NUL inside the table. */
struct policy_string_table {
        const char *data;
        uint32_t size;
};
int policy_image_string(const struct policy_string_table *t, uint32_t offset, size_t max,
                        const char **ret);

/* The words of one item of each list. */
extern const uint8_t policy_image_item_words[_POLICY_IMAGE_LISTS];
/* The most words one rule's lists can take. */
#define POLICY_IMAGE_MAX_RULE_WORDS (POLICY_MAX_LIST * (1 + 1 + 2 * 8 + 4 + 1 + 1))

struct policy_image_header {
        char magic[8];
        uint32_t version;
        uint32_t n_files;
        uint32_t n_rules;
        uint32_t n_words;
        uint32_t strings_size;
};

struct policy_image_rule {
        uint32_t flags;                 /* POLICY_IMAGE_RULE_* */
        uint32_t file;                  /* index into the file table */
        uint32_t line;
        uint32_t uid;
        uint32_t gid;
        uint32_t unit;                  /* string offset */
        uint32_t cgroup;                /* string offset */
        uint32_t family;                /* 0 or AF_* */
        uint32_t type;                  /* 0 or SOCK_* */
        uint32_t netns;                 /* enum policy_netns as written */
        uint32_t sockopts;              /* mask of 1u << enum policy_sockopt */
        uint32_t sockopt_range[_POLICY_SOCKOPT_MAX][2];
        uint32_t link_ops;              /* mask of enum policy_link_op */
        uint32_t hci_channels;          /* mask of 1u << POLICY_HCI_CHANNEL_* */
        uint32_t n_items[_POLICY_IMAGE_LISTS];
};

_Static_assert(sizeof(struct policy_image_header) == 28, "image header has padding");
_Static_assert(sizeof(struct policy_image_rule) ==
               4 * (11 + 2 * _POLICY_SOCKOPT_MAX + 2 + _POLICY_IMAGE_LISTS),
               "image rule has padding");

/* The largest image any policy can have: larger input is refused before
 * it is copied. */
#define POLICY_IMAGE_MAX_WORDS ((size_t)POLICY_MAX_RULES * POLICY_IMAGE_MAX_RULE_WORDS)
#define POLICY_IMAGE_MAX_SIZE                                                   \
        (sizeof(struct policy_image_header) +                                   \
         (size_t)POLICY_MAX_FILES * sizeof(uint32_t) +                          \
         (size_t)POLICY_MAX_RULES * sizeof(struct policy_image_rule) +          \
         POLICY_IMAGE_MAX_WORDS * sizeof(uint32_t) +                            \
         (size_t)POLICY_IMAGE_MAX_STRINGS)

/* inet, inet6, packet, can, bluetooth: the families a rule can name, in
 * the order of the decision's index. */
#define POLICY_N_FAMILIES 5
extern const int policy_families[POLICY_N_FAMILIES];
/* The decision's index, which policy-decide.c builds and alone knows. */
struct policy_index;

struct policy {
        void *image;                    /* the validated image; strings point into it */
        size_t image_len;
        struct policy_rule *rules;
        size_t n_rules;
        /* The items of the rules' lists; each rule points at runs of them. */
        uint32_t *protocols;
        const char **ifaces;
        struct policy_range *ranges;
        uint8_t *events;
        uint16_t *commands;
        const char **files;
        size_t n_files;
        /* The decision's index and what frees it (policy-decide.c);
         * NULL in a policy imported for the opener. */
        struct policy_index *index;
        void (*index_free)(struct policy_index *index);
};

DEFINE_TRIVIAL_CLEANUP_FUNC(policy *, policy_free)

/* policy-image.c: validates and adopts image (freed on failure too). */
int policy_import_take(void *image, size_t len, policy **ret);

/* Imports the image it takes (malloc'd) without building the index;
 * policy_import_take() builds it too. */
int policy_import_rules_take(void *image, size_t len, policy **ret);
/* The family a request is about, or -1 for one outside the language. */
int policy_request_family(const struct policy_request *req);

/*
 * policy.c: the rules of the language that the importer re-applies.
 * The *_check() functions return NULL when s is valid, else a short
 * reason for an error message.
 */
int policy_family_index(int family);        /* into policy_families[], or -1 */
bool policy_family_is_valid(int family);
bool policy_type_is_valid(int family, int type);
const char *policy_iface_glob_check(const char *s);

/*
 * The numbers the words take, shared by the compiler, the importer and
 * the evaluator. The kernel's own headers for Bluetooth are BlueZ's, so
 * those numbers are spelled out here.
 */
#define POLICY_BTPROTO_L2CAP 0u
#define POLICY_BTPROTO_HCI 1u
#define POLICY_BTPROTO_RFCOMM 3u

#define POLICY_HCI_CHANNEL_RAW 0u
#define POLICY_HCI_CHANNEL_USER 1u
#define POLICY_HCI_CHANNEL_MONITOR 2u
#define POLICY_HCI_CHANNEL_CONTROL 3u
#define POLICY_HCI_CHANNELS_ALL ((1u << 4) - 1)

/* Names of bits in a mask, for list words such as link= and hci=. */
struct policy_mask_name {
        const char *name;
        uint32_t bit;
};

#define POLICY_N_HCI_CHANNELS 4
extern const struct policy_mask_name policy_hci_channel_names[POLICY_N_HCI_CHANNELS];

#define POLICY_LINK_OPS_ALL (POLICY_LINK_UP | POLICY_LINK_DOWN | POLICY_LINK_BITRATE)
#define POLICY_SOCKOPTS_ALL (((1u << _POLICY_SOCKOPT_MAX) - 1) & ~(1u << POLICY_SOCKOPT_NONE))

/* The limits of each number list; lo <= hi within [min, max]. */
struct policy_limits {
        uint64_t min;
        uint64_t max;
};

#define POLICY_LIMITS_PORT ((struct policy_limits){ 0, 0xffff })           /* port or PSM */
#define POLICY_LIMITS_BITRATE ((struct policy_limits){ 1, 16000000 })
#define POLICY_LIMITS_CAN_ID ((struct policy_limits){ 0, 0x1fffffff })     /* ISO-TP, 29 bits */
#define POLICY_LIMITS_J1939_ADDR ((struct policy_limits){ 0, 0xff })
#define POLICY_LIMITS_J1939_PGN ((struct policy_limits){ 0, 0x3ffff })
#define POLICY_LIMITS_J1939_NAME ((struct policy_limits){ 0, UINT64_MAX })
#define POLICY_LIMITS_HCI_DEV ((struct policy_limits){ 0, 0xffff })
#define POLICY_LIMITS_RFCOMM_CHANNEL ((struct policy_limits){ 1, 30 })
#define POLICY_LIMITS_HCI_EVENT ((struct policy_limits){ 0, 0xff })
#define POLICY_LIMITS_HCI_OPCODE ((struct policy_limits){ 0, 0xffff })

/* option=NAME[:RANGE]: the option's name and value limits; has_range is
 * false for options that take no value range (bindtodevice). */
struct policy_sockopt_info {
        const char *name;
        bool has_range;
        struct policy_limits limits;
};

/* Indexed by enum policy_sockopt; the NONE entry has no name. */
extern const struct policy_sockopt_info policy_sockopts[_POLICY_SOCKOPT_MAX];

/* bind= takes ports for inet and inet6 and PSMs for bluetooth. */
bool policy_family_has_ports(int family);
