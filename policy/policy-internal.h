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
 *   char strings[strings_size]              NUL-terminated strings
 *
 * Its length is exactly the sum of those parts. Every field is a uint32_t,
 * so the layout has no padding and does not depend on the compiler.
 * Fields that a rule does not use (an absent selector, list slots past
 * n_protocols or n_ifaces) are zero, so each policy has exactly one image.
 */
#define POLICY_IMAGE_MAGIC "SBPOLICY"
#define POLICY_IMAGE_VERSION 1u
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
        POLICY_IMAGE_RULE_FLAGS         = (1u << 6) - 1,
};

struct policy_image_header {
        char magic[8];
        uint32_t version;
        uint32_t n_files;
        uint32_t n_rules;
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
        uint32_t n_protocols;
        uint32_t protocols[POLICY_MAX_LIST];
        uint32_t n_ifaces;
        uint32_t ifaces[POLICY_MAX_LIST]; /* string offsets */
};

_Static_assert(sizeof(struct policy_image_header) == 24, "image header has padding");
_Static_assert(sizeof(struct policy_image_rule) == 4 * (11 + 2 * POLICY_MAX_LIST),
               "image rule has padding");

/* The largest image any policy can have: larger input is refused before
 * it is copied. */
#define POLICY_IMAGE_MAX_SIZE                                                   \
        (sizeof(struct policy_image_header) +                                   \
         (size_t)POLICY_MAX_FILES * sizeof(uint32_t) +                          \
         (size_t)POLICY_MAX_RULES * sizeof(struct policy_image_rule) +          \
         (size_t)POLICY_IMAGE_MAX_STRINGS)

/* inet, inet6, packet, can, bluetooth: the families a rule can name, in
 * the order of struct policy's index. */
#define POLICY_N_FAMILIES 5
extern const int policy_families[POLICY_N_FAMILIES];

/* A run of entries[] with the rule indexes, ascending, for one uid/gid. */
struct policy_bucket {
        uint32_t id;
        uint32_t start;
        uint32_t n;
};

/* The rules that can match requests of one family. */
struct policy_index {
        struct policy_bucket *uids;     /* sorted by id */
        size_t n_uids;
        struct policy_bucket *gids;     /* sorted by id */
        size_t n_gids;
        uint32_t *entries;
        uint32_t *other;                /* rules without uid or gid, ascending */
        size_t n_other;
};

struct policy {
        void *image;                    /* the validated image; strings point into it */
        size_t image_len;
        struct policy_rule *rules;
        size_t n_rules;
        const char **files;
        size_t n_files;
        struct policy_index index[POLICY_N_FAMILIES];
};

DEFINE_TRIVIAL_CLEANUP_FUNC(policy *, policy_free)

/* policy-image.c: validates and adopts image (freed on failure too). */
int policy_import_take(void *image, size_t len, policy **ret);

/* policy-check.c */
int policy_index_init(policy *p);
void policy_index_deinit(policy *p);

/*
 * policy.c: the rules of the language that the importer re-applies.
 * The *_check() functions return NULL when s is valid, else a short
 * reason for an error message.
 */
int policy_family_index(int family);        /* into policy_families[], or -1 */
bool policy_family_is_valid(int family);
bool policy_type_is_valid(int family, int type);
const char *policy_iface_glob_check(const char *s);
const char *policy_unit_check(const char *s);
const char *policy_cgroup_check(const char *s);
