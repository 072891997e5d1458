/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-compile.c - the policy language's parser and compiler, from
 * source texts to the image.
 *
 * The compiler does not build a struct policy. It writes the flat image
 * that policy_export() hands on and then imports that image with the same
 * validating importer the opener and the broker use. So there is one way
 * to make a struct policy, every compiled policy has passed the checks
 * applied to what an image's reader receives, and an image can only ever
 * hold what the language can say.
 *
 * Only sockbroker-compiler and the sockbroker tool link this file: the
 * opener, which runs with capabilities, receives the image and never
 * parses policy text.
 *
 * A line is split into words at spaces and tabs. Outside comments only
 * printable ASCII is allowed, so words can go into messages as they are.
 * Errors point at the offending word, or for an item of a comma list
 * (proto=, iface=, bind=, option=, ...) at that item; columns count bytes
 * from 1.
 *
 * The words after the family are rows of options[], each with the
 * families it is valid for and whether it may appear on a deny rule.
 * Operation and address words narrow what an allow rule grants; a deny
 * rule matches by family, type, proto and iface alone (policy-check.c),
 * so those words are refused on it rather than silently ignored.
 */
#include <assert.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/names.h"
#include "common/util.h"
#include "policy/policy-compile.h"
#include "policy/policy-internal.h"

/* A rule as the parser fills it in: the image's record, and room for
 * POLICY_MAX_LIST items in each list, which builder_add_rule() packs into
 * the image's words. */
struct rule_draft {
        struct policy_image_rule rec;
        uint32_t items[_POLICY_IMAGE_LISTS][4 * POLICY_MAX_LIST];
};

/*
 * The image under construction. Strings are interned, so a policy that
 * names eth0 in ten thousand rules stores it once.
 */
struct builder {
        struct policy_image_rule *rules;
        size_t n_rules;
        size_t n_rules_allocated;
        uint32_t *words;
        size_t n_words;
        size_t n_words_allocated;
        uint32_t files[POLICY_MAX_FILES];
        size_t n_files;
        char *strings;
        size_t strings_size;
        size_t strings_allocated;
        uint32_t *intern;               /* offset + 1, 0 for an empty slot */
        size_t intern_size;             /* a power of two, or 0 */
        size_t intern_used;
};

static void builder_deinit(struct builder *b)
{
        free(b->rules);
        free(b->words);
        free(b->strings);
        free(b->intern);
        *b = (struct builder){};
}

/* FNV-1a */
static size_t string_hash(const char *s)
{
        uint32_t h = 2166136261u;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 16777619u;
        return h;
}

static uint32_t *builder_intern_slot(struct builder *b, const char *s)
{
        size_t mask = b->intern_size - 1;

        for (size_t i = string_hash(s) & mask;; i = (i + 1) & mask) {
                uint32_t *slot = &b->intern[i];

                if (*slot == 0 || strcmp(b->strings + *slot - 1, s) == 0)
                        return slot;
        }
}

static int builder_intern_grow(struct builder *b)
{
        _cleanup_free_ uint32_t *old = b->intern;
        size_t old_size = b->intern_size;
        size_t size = old_size ? old_size * 2 : 64;

        b->intern = calloc(size, sizeof(*b->intern));
        if (!b->intern) {
                b->intern = TAKE_PTR(old);
                return -ENOMEM;
        }
        b->intern_size = size;

        for (size_t i = 0; i < old_size; i++)
                if (old[i] != 0)
                        *builder_intern_slot(b, b->strings + old[i] - 1) = old[i];
        return 0;
}

static int builder_add_string(struct builder *b, const char *s, uint32_t *ret)
{
        size_t len = strlen(s) + 1;
        uint32_t *slot;
        int r;

        /* Keep the table at most half full. */
        if (b->intern_used >= b->intern_size / 2) {
                r = builder_intern_grow(b);
                if (r < 0)
                        return r;
        }

        slot = builder_intern_slot(b, s);
        if (*slot != 0) {
                *ret = *slot - 1;
                return 0;
        }

        if (len > POLICY_IMAGE_MAX_STRINGS - b->strings_size)
                return -E2BIG;
        if (b->strings_size + len > b->strings_allocated) {
                size_t n = b->strings_allocated ? b->strings_allocated : 4096;
                char *p;

                while (n < b->strings_size + len)
                        n *= 2;
                p = realloc(b->strings, n);
                if (!p)
                        return -ENOMEM;
                b->strings = p;
                b->strings_allocated = n;
        }

        memcpy(b->strings + b->strings_size, s, len);
        *ret = (uint32_t)b->strings_size;
        *slot = (uint32_t)b->strings_size + 1;
        b->strings_size += len;
        b->intern_used++;
        return 0;
}

/* Grows *array of *allocated items of size to hold at least need. */
static int builder_reserve(void **array, size_t *allocated, size_t size, size_t need, size_t max)
{
        size_t n = *allocated ? *allocated : 64;
        void *p;

        if (need <= *allocated)
                return 0;
        if (need > max)
                return -E2BIG;
        while (n < need)
                n *= 2;
        if (n > max)
                n = max;
        p = reallocarray(*array, n, size);
        if (!p)
                return -ENOMEM;
        *array = p;
        *allocated = n;
        return 0;
}

static int builder_add_rule(struct builder *b, const struct rule_draft *d)
{
        size_t words = 0;
        int r;

        for (size_t k = 0; k < _POLICY_IMAGE_LISTS; k++) {
                assert(d->rec.n_items[k] <= POLICY_MAX_LIST);
                words += (size_t)d->rec.n_items[k] * policy_image_item_words[k];
        }

        r = builder_reserve((void **)&b->rules, &b->n_rules_allocated, sizeof(*b->rules),
                            b->n_rules + 1, POLICY_MAX_RULES);
        if (r >= 0)
                r = builder_reserve((void **)&b->words, &b->n_words_allocated, sizeof(*b->words),
                                    b->n_words + words, POLICY_IMAGE_MAX_WORDS);
        if (r < 0)
                return r;

        b->rules[b->n_rules++] = d->rec;
        for (size_t k = 0; k < _POLICY_IMAGE_LISTS; k++) {
                size_t n = (size_t)d->rec.n_items[k] * policy_image_item_words[k];

                /* b->words is NULL until a rule has an item. */
                if (n == 0)
                        continue;
                memcpy(b->words + b->n_words, d->items[k], n * sizeof(uint32_t));
                b->n_words += n;
        }
        return 0;
}

static int builder_finish(struct builder *b, void **ret, size_t *ret_len)
{
        struct policy_image_header h = {
                .version = POLICY_IMAGE_VERSION,
                .n_files = (uint32_t)b->n_files,
                .n_rules = (uint32_t)b->n_rules,
                .n_words = (uint32_t)b->n_words,
                .strings_size = (uint32_t)b->strings_size,
        };
        size_t files_size = b->n_files * sizeof(uint32_t);
        size_t rules_size = b->n_rules * sizeof(struct policy_image_rule);
        size_t words_size = b->n_words * sizeof(uint32_t);
        size_t len = sizeof(h) + files_size + rules_size + words_size + b->strings_size;
        uint8_t *image, *p;

        memcpy(h.magic, POLICY_IMAGE_MAGIC, sizeof(h.magic));

        image = malloc(len);
        if (!image)
                return -ENOMEM;
        p = image;
        memcpy(p, &h, sizeof(h));
        p += sizeof(h);
        if (files_size > 0)
                memcpy(p, b->files, files_size);
        p += files_size;
        if (rules_size > 0)
                memcpy(p, b->rules, rules_size);
        p += rules_size;
        if (words_size > 0)
                memcpy(p, b->words, words_size);
        p += words_size;
        if (b->strings_size > 0)
                memcpy(p, b->strings, b->strings_size);

        *ret = image;
        *ret_len = len;
        return 0;
}

struct word {
        char *s;
        unsigned col;
        unsigned len;           /* before any in-place split at '=' */
};

struct parser {
        struct builder builder;
        const struct policy_resolver *resolver;
        struct policy_error *err;
        const char *file;
        uint32_t file_index;
        unsigned line;
        char text[POLICY_MAX_LINE + 1];
        /* Words are separated by at least one blank. */
        struct word words[POLICY_MAX_LINE / 2 + 1];
        size_t n_words;
};

static struct parser *parser_free(struct parser *p)
{
        if (!p)
                return NULL;
        builder_deinit(&p->builder);
        free(p);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct parser *, parser_free)

_printf_(5, 0)
static void error_setv(struct policy_error *err, const char *file, unsigned line, unsigned col,
                       const char *fmt, va_list ap)
{
        if (!err)
                return;
        *err = (struct policy_error){ .line = line, .col = col };
        if (file)
                (void)snprintf(err->file, sizeof(err->file), "%s", file);
        (void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

_printf_(6, 7)
static int error_set(struct policy_error *err, int r, const char *file, unsigned line,
                     unsigned col, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        error_setv(err, file, line, col, fmt, ap);
        va_end(ap);
        return r;
}

/* A syntax error at col of the current line: -EINVAL. */
_printf_(3, 4)
static int parser_error(struct parser *p, unsigned col, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        error_setv(p->err, p->file, p->line, col, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* A failure that is not the text's fault (memory, name service). */
static int parser_fail(struct parser *p, unsigned col, int r)
{
        errno = -r;
        return error_set(p->err, r, p->file, p->line, col, "%m");
}

/* The column just past the last word, for "missing ..." errors. */
static unsigned parser_end_col(const struct parser *p)
{
        const struct word *w;

        if (p->n_words == 0)
                return 1;
        w = &p->words[p->n_words - 1];
        return w->col + w->len;
}

static unsigned parser_col_of(const struct parser *p, size_t i)
{
        return i < p->n_words ? p->words[i].col : parser_end_col(p);
}

static int parser_tokenize(struct parser *p, size_t len)
{
        char *s = p->text;
        size_t i = 0;

        p->n_words = 0;
        while (i < len) {
                size_t start;

                if (s[i] == ' ' || s[i] == '\t') {
                        i++;
                        continue;
                }
                if (s[i] == '#')
                        break;

                start = i;
                for (; i < len && s[i] != ' ' && s[i] != '\t'; i++) {
                        unsigned char c = (unsigned char)s[i];

                        if (c <= ' ' || c >= 0x7f)
                                return parser_error(p, (unsigned)i + 1, "invalid character 0x%02x", c);
                }
                s[i] = '\0';
                p->words[p->n_words++] = (struct word){
                        .s = s + start,
                        .col = (unsigned)start + 1,
                        .len = (unsigned)(i - start),
                };
                i++;
        }
        return 0;
}

/* Splits "key=value" in place. Returns the value, or NULL without '='. */
static char *word_split(const struct word *w)
{
        char *eq = strchr(w->s, '=');

        if (!eq)
                return NULL;
        *eq = '\0';
        return eq + 1;
}

static unsigned word_value_col(const struct word *w, const char *value)
{
        return w->col + (unsigned)(value - w->s);
}

static const char *family_name(int family)
{
        return family == 0 ? "any" : strna(names_family_to_string(family));
}

/* A comma list: each item is handed to fn with its column and position. */
typedef int (*list_item_fn)(struct parser *p, char *item, unsigned col, uint32_t i,
                            void *userdata);

static int parse_list(struct parser *p, char *value, unsigned col, list_item_fn fn,
                      void *userdata, uint32_t *ret_n)
{
        uint32_t n = 0;

        for (char *s = value;;) {
                char *comma = strchr(s, ',');
                unsigned item_col = col + (unsigned)(s - value);
                int r;

                if (comma)
                        *comma = '\0';
                if (*s == '\0')
                        return parser_error(p, item_col, "empty item in list");
                if (n >= POLICY_MAX_LIST)
                        return parser_error(p, item_col, "too many items in list (max %u)",
                                            POLICY_MAX_LIST);
                r = fn(p, s, item_col, n, userdata);
                if (r < 0)
                        return r;
                n++;
                if (!comma)
                        break;
                s = comma + 1;
        }

        *ret_n = n;
        return 0;
}

/* Selectors: who a rule is about. user= and uid= share a slot, as do
 * group= and gid=, so a rule cannot name two uids. */
enum selector_slot {
        SELECTOR_SLOT_EVERYONE,
        SELECTOR_SLOT_UID,
        SELECTOR_SLOT_GID,
        SELECTOR_SLOT_UNIT,
        SELECTOR_SLOT_CGROUP,
};

struct selector {
        const char *key;
        enum selector_slot slot;
        int (*parse)(struct parser *p, const struct word *w, const char *value,
                     struct rule_draft *rule);
};

static int parse_id(struct parser *p, const struct word *w, const char *value, const char *what,
                    uint32_t *ret)
{
        uint64_t v;
        int r;

        /* (uid_t)-1 and (gid_t)-1 mean "no id" to the kernel. */
        r = names_parse_uint(value, UINT32_MAX - 1, &v);
        if (r == -ERANGE)
                return parser_error(p, w->col, "%s '%s' is out of range", what, value);
        if (r < 0)
                return parser_error(p, w->col, "invalid %s '%s'", what, value);
        *ret = (uint32_t)v;
        return 0;
}

static int resolve(struct parser *p, const struct word *w, const char *value, bool group,
                   uint32_t *ret)
{
        const char *what = group ? "group" : "user";
        uid_t uid = 0;
        gid_t gid = 0;
        uint32_t id;
        int r;

        if (strlen(value) >= POLICY_MAX_STRING)
                return parser_error(p, w->col, "%s name too long", what);
        if (!p->resolver || !(group ? p->resolver->group : p->resolver->user))
                return parser_error(p, w->col, "cannot resolve %s '%s': no resolver", what, value);

        if (group)
                r = p->resolver->group(value, &gid, p->resolver->userdata);
        else
                r = p->resolver->user(value, &uid, p->resolver->userdata);
        if (r == -ENOENT)
                return parser_error(p, w->col, "unknown %s '%s'", what, value);
        if (r < 0) {
                errno = -r;
                return error_set(p->err, r, p->file, p->line, w->col,
                                 "cannot resolve %s '%s': %m", what, value);
        }
        id = group ? (uint32_t)gid : (uint32_t)uid;
        if (id == UINT32_MAX)
                return parser_error(p, w->col, "%s '%s' resolves to an invalid id", what, value);

        *ret = id;
        return 0;
}

static int selector_parse_user(struct parser *p, const struct word *w, const char *value,
                               struct rule_draft *rule)
{
        rule->rec.flags |= POLICY_IMAGE_RULE_UID;
        return resolve(p, w, value, false, &rule->rec.uid);
}

static int selector_parse_uid(struct parser *p, const struct word *w, const char *value,
                              struct rule_draft *rule)
{
        rule->rec.flags |= POLICY_IMAGE_RULE_UID;
        return parse_id(p, w, value, "uid", &rule->rec.uid);
}

static int selector_parse_group(struct parser *p, const struct word *w, const char *value,
                                struct rule_draft *rule)
{
        rule->rec.flags |= POLICY_IMAGE_RULE_GID;
        return resolve(p, w, value, true, &rule->rec.gid);
}

static int selector_parse_gid(struct parser *p, const struct word *w, const char *value,
                              struct rule_draft *rule)
{
        rule->rec.flags |= POLICY_IMAGE_RULE_GID;
        return parse_id(p, w, value, "gid", &rule->rec.gid);
}

static int parser_add_string(struct parser *p, unsigned col, const char *s, uint32_t *ret)
{
        int r = builder_add_string(&p->builder, s, ret);

        if (r == -E2BIG)
                return parser_error(p, col, "policy too large (more than %u bytes of strings)",
                                    POLICY_IMAGE_MAX_STRINGS);
        if (r < 0)
                return parser_fail(p, col, r);
        return 0;
}

static int selector_parse_unit(struct parser *p, const struct word *w, const char *value,
                               struct rule_draft *rule)
{
        const char *why = policy_unit_check(value);

        if (why)
                return parser_error(p, w->col, "invalid unit name '%s': %s", value, why);
        rule->rec.flags |= POLICY_IMAGE_RULE_UNIT;
        return parser_add_string(p, w->col, value, &rule->rec.unit);
}

static int selector_parse_cgroup(struct parser *p, const struct word *w, const char *value,
                                 struct rule_draft *rule)
{
        const char *why = policy_cgroup_check(value);

        if (why)
                return parser_error(p, w->col, "invalid cgroup path '%s': %s", value, why);
        rule->rec.flags |= POLICY_IMAGE_RULE_CGROUP;
        return parser_add_string(p, w->col, value, &rule->rec.cgroup);
}

static const struct selector selectors[] = {
        { "user",       SELECTOR_SLOT_UID,      selector_parse_user },
        { "uid",        SELECTOR_SLOT_UID,      selector_parse_uid },
        { "group",      SELECTOR_SLOT_GID,      selector_parse_group },
        { "gid",        SELECTOR_SLOT_GID,      selector_parse_gid },
        { "unit",       SELECTOR_SLOT_UNIT,     selector_parse_unit },
        { "cgroup",     SELECTOR_SLOT_CGROUP,   selector_parse_cgroup },
};

/*
 * Options: what a rule covers beyond family and type. A new word is a new
 * row here and a new field in the rule and its image record.
 */
enum {
        OPTION_FAMILY_ANY       = 1u << 0,
        OPTION_FAMILY_INET      = 1u << 1,
        OPTION_FAMILY_INET6     = 1u << 2,
        OPTION_FAMILY_PACKET    = 1u << 3,
        OPTION_FAMILY_CAN       = 1u << 4,
        OPTION_FAMILY_BLUETOOTH = 1u << 5,
        OPTION_FAMILIES         = OPTION_FAMILY_INET | OPTION_FAMILY_INET6 | OPTION_FAMILY_PACKET |
                                  OPTION_FAMILY_CAN | OPTION_FAMILY_BLUETOOTH,
        OPTION_FAMILY_ALL       = OPTION_FAMILY_ANY | OPTION_FAMILIES,
};

static unsigned option_family_bit(int family)
{
        switch (family) {
        case 0:
                return OPTION_FAMILY_ANY;
        case AF_INET:
                return OPTION_FAMILY_INET;
        case AF_INET6:
                return OPTION_FAMILY_INET6;
        case AF_PACKET:
                return OPTION_FAMILY_PACKET;
        case AF_CAN:
                return OPTION_FAMILY_CAN;
        case AF_BLUETOOTH:
                return OPTION_FAMILY_BLUETOOTH;
        default:
                return 0;
        }
}

struct option {
        const char *key;
        unsigned families;      /* OPTION_FAMILY_* the option is valid for */
        const char *needs;      /* "proto= needs <needs>" when it is not */
        /* Operation and address words narrow what an allow rule grants. A
         * deny rule matches by family, type, proto and iface alone, so on
         * a deny rule such a word would promise a narrower deny than the
         * rule is: an error. */
        bool allow_only;
        int (*parse)(struct parser *p, const struct word *w, char *value,
                     struct rule_draft *rule);
};

static int proto_item(struct parser *p, char *item, unsigned col, uint32_t i, void *userdata)
{
        struct rule_draft *rule = userdata;
        int family = (int)rule->rec.family;
        int r;

        r = names_protocol_from_string(family, item, &rule->items[POLICY_IMAGE_PROTOCOLS][i]);
        if (r == -ERANGE)
                return parser_error(p, col, "protocol '%s' is out of range for family '%s'",
                                    item, family_name(family));
        if (r < 0)
                return parser_error(p, col, "unknown protocol '%s' for family '%s'",
                                    item, family_name(family));
        return 0;
}

static int option_parse_proto(struct parser *p, const struct word *w, char *value,
                              struct rule_draft *rule)
{
        return parse_list(p, value, word_value_col(w, value), proto_item, rule,
                          &rule->rec.n_items[POLICY_IMAGE_PROTOCOLS]);
}

static int iface_item(struct parser *p, char *item, unsigned col, uint32_t i, void *userdata)
{
        struct rule_draft *rule = userdata;
        const char *why = policy_iface_glob_check(item);

        if (why)
                return parser_error(p, col, "invalid interface name or glob '%s': %s", item, why);
        return parser_add_string(p, col, item, &rule->items[POLICY_IMAGE_IFACES][i]);
}

static int option_parse_iface(struct parser *p, const struct word *w, char *value,
                              struct rule_draft *rule)
{
        return parse_list(p, value, word_value_col(w, value), iface_item, rule, &rule->rec.n_items[POLICY_IMAGE_IFACES]);
}

/* ---- Number ranges: "N" or "N-M", N <= M, within a word's limits. ---- */

struct range_word {
        const char *what;       /* for messages: "port", "bitrate", ... */
        struct policy_limits limits;
        bool hex;               /* print the limits in hex */
};

static const struct range_word range_port = { "port", POLICY_LIMITS_PORT, false };
static const struct range_word range_psm = { "PSM", POLICY_LIMITS_PORT, true };
static const struct range_word range_bitrate = { "bitrate", POLICY_LIMITS_BITRATE, false };
static const struct range_word range_can_id = { "ISO-TP id", POLICY_LIMITS_CAN_ID, true };
static const struct range_word range_j1939_addr = { "J1939 address", POLICY_LIMITS_J1939_ADDR, true };
static const struct range_word range_j1939_pgn = { "PGN", POLICY_LIMITS_J1939_PGN, true };
static const struct range_word range_j1939_name = { "J1939 NAME", POLICY_LIMITS_J1939_NAME, true };
static const struct range_word range_hci_dev = { "HCI device", POLICY_LIMITS_HCI_DEV, false };
static const struct range_word range_rfcomm_channel = {
        "RFCOMM channel", POLICY_LIMITS_RFCOMM_CHANNEL, false,
};

static int range_out_of_range(struct parser *p, unsigned col, const struct range_word *rw,
                              const char *number, int len)
{
        if (rw->hex)
                return parser_error(p, col, "%s '%.*s' is out of range (0x%" PRIx64 " to 0x%" PRIx64 ")",
                                    rw->what, len, number, rw->limits.min, rw->limits.max);
        return parser_error(p, col, "%s '%.*s' is out of range (%" PRIu64 " to %" PRIu64 ")",
                            rw->what, len, number, rw->limits.min, rw->limits.max);
}

static bool range_fits(const struct range_word *rw, int r, uint64_t v)
{
        return r == 0 && v >= rw->limits.min && v <= rw->limits.max;
}

/* "N" or "N-M". Numbers have no '-', so the first one splits. */
static int parse_range(struct parser *p, char *item, unsigned col, const struct range_word *rw,
                       struct policy_range *ret)
{
        char *dash = strchr(item, '-');
        uint64_t lo = 0, hi = 0;
        int r_lo, r_hi;

        if (dash)
                *dash = '\0';
        r_lo = names_parse_uint(item, UINT64_MAX, &lo);
        r_hi = dash ? names_parse_uint(dash + 1, UINT64_MAX, &hi) : r_lo;
        if (dash)
                *dash = '-';
        else
                hi = lo;

        /* Syntax first: "1-x" is invalid, whatever 1 is. */
        if (r_lo == -EINVAL || r_hi == -EINVAL)
                return parser_error(p, col, "invalid %s range '%s'", rw->what, item);
        if (!range_fits(rw, r_lo, lo))
                return range_out_of_range(p, col, rw, item, dash ? (int)(dash - item) : (int)strlen(item));
        if (!range_fits(rw, r_hi, hi))
                return range_out_of_range(p, col, rw, dash + 1, (int)strlen(dash + 1));
        if (lo > hi)
                return parser_error(p, col, "reversed %s range '%s'", rw->what, item);

        *ret = (struct policy_range){ lo, hi };
        return 0;
}

/* Where a list of ranges goes: two words an item, or four for 64-bit
 * ranges, each number low half first. */
struct ranges_target {
        const struct range_word *rw;
        uint32_t *items;
        unsigned words;
};

static int range_item(struct parser *p, char *item, unsigned col, uint32_t i, void *userdata)
{
        const struct ranges_target *t = userdata;
        uint32_t *out = t->items + (size_t)i * t->words;
        struct policy_range range;
        int r;

        r = parse_range(p, item, col, t->rw, &range);
        if (r < 0)
                return r;
        if (t->words == 4) {
                out[0] = (uint32_t)range.lo;
                out[1] = (uint32_t)(range.lo >> 32);
                out[2] = (uint32_t)range.hi;
                out[3] = (uint32_t)(range.hi >> 32);
        } else {
                out[0] = (uint32_t)range.lo;
                out[1] = (uint32_t)range.hi;
        }
        return 0;
}

static int parse_ranges(struct parser *p, const struct word *w, char *value,
                        const struct range_word *rw, struct rule_draft *rule,
                        enum policy_image_list list)
{
        struct ranges_target t = { rw, rule->items[list], policy_image_item_words[list] };

        return parse_list(p, value, word_value_col(w, value), range_item, &t,
                          &rule->rec.n_items[list]);
}

/* ---- Operation words. ---- */

static int option_parse_bind(struct parser *p, const struct word *w, char *value,
                             struct rule_draft *rule)
{
        const struct range_word *rw = rule->rec.family == AF_BLUETOOTH ? &range_psm : &range_port;

        return parse_ranges(p, w, value, rw, rule, POLICY_IMAGE_PORTS);
}

static int sockopt_item(struct parser *p, char *item, unsigned col, uint32_t i, void *userdata)
{
        struct rule_draft *rule = userdata;
        const struct policy_sockopt_info *info = NULL;
        struct range_word rw;
        struct policy_range range;
        char *colon = strchr(item, ':');
        size_t opt;
        int r;

        (void)i;
        if (colon)
                *colon = '\0';
        for (opt = 0; opt < ELEMENTSOF(policy_sockopts); opt++)
                if (policy_sockopts[opt].name && streq(policy_sockopts[opt].name, item)) {
                        info = &policy_sockopts[opt];
                        break;
                }
        if (!info)
                return parser_error(p, col, "unknown socket option '%s'", item);
        if (rule->rec.sockopts & (1u << opt))
                return parser_error(p, col, "socket option '%s' given twice", item);
        rule->rec.sockopts |= 1u << opt;

        if (!info->has_range) {
                if (colon)
                        return parser_error(p, col, "socket option '%s' takes no range", item);
                return 0;
        }

        range = (struct policy_range){ info->limits.min, info->limits.max };
        if (colon) {
                rw = (struct range_word){ info->name, info->limits, false };
                r = parse_range(p, colon + 1, col, &rw, &range);
                if (r < 0)
                        return r;
        }
        rule->rec.sockopt_range[opt][0] = (uint32_t)range.lo;
        rule->rec.sockopt_range[opt][1] = (uint32_t)range.hi;
        return 0;
}

static int option_parse_option(struct parser *p, const struct word *w, char *value,
                               struct rule_draft *rule)
{
        uint32_t n;

        return parse_list(p, value, word_value_col(w, value), sockopt_item, rule, &n);
}

/* A list of names that sets bits in a mask, each name at most once. */
struct mask_target {
        const char *what;               /* "link operation", "HCI channel" */
        const struct policy_mask_name *names;
        size_t n_names;
        uint32_t *mask;
};

static int mask_item(struct parser *p, char *item, unsigned col, uint32_t i, void *userdata)
{
        const struct mask_target *t = userdata;

        (void)i;
        for (size_t k = 0; k < t->n_names; k++) {
                if (!streq(t->names[k].name, item))
                        continue;
                if (*t->mask & t->names[k].bit)
                        return parser_error(p, col, "%s '%s' given twice", t->what, item);
                *t->mask |= t->names[k].bit;
                return 0;
        }
        return parser_error(p, col, "unknown %s '%s'", t->what, item);
}

static const struct policy_mask_name link_op_names[] = {
        { "up",         POLICY_LINK_UP },
        { "down",       POLICY_LINK_DOWN },
        { "bitrate",    POLICY_LINK_BITRATE },
};

static int option_parse_link(struct parser *p, const struct word *w, char *value,
                             struct rule_draft *rule)
{
        struct mask_target t = { "link operation", link_op_names, ELEMENTSOF(link_op_names),
                                 &rule->rec.link_ops };
        uint32_t n;

        return parse_list(p, value, word_value_col(w, value), mask_item, &t, &n);
}

static int option_parse_bitrate(struct parser *p, const struct word *w, char *value,
                                struct rule_draft *rule)
{
        return parse_ranges(p, w, value, &range_bitrate, rule, POLICY_IMAGE_BITRATES);
}

static int option_parse_netns(struct parser *p, const struct word *w, char *value,
                              struct rule_draft *rule)
{
        if (streq(value, "client"))
                rule->rec.netns = POLICY_NETNS_CLIENT;
        else if (streq(value, "host"))
                rule->rec.netns = POLICY_NETNS_HOST;
        else
                return parser_error(p, w->col, "invalid value '%s' for netns=: expected 'client' or 'host'",
                                    value);
        if (rule->rec.netns == POLICY_NETNS_CLIENT && rule->rec.family == AF_BLUETOOTH)
                return parser_error(p, w->col, "Bluetooth sockets exist only in the host network namespace");
        return 0;
}

/* ---- CAN addresses. ---- */

static int option_parse_rx(struct parser *p, const struct word *w, char *value,
                           struct rule_draft *rule)
{
        return parse_ranges(p, w, value, &range_can_id, rule, POLICY_IMAGE_RX);
}

static int option_parse_tx(struct parser *p, const struct word *w, char *value,
                           struct rule_draft *rule)
{
        return parse_ranges(p, w, value, &range_can_id, rule, POLICY_IMAGE_TX);
}

static int option_parse_addr(struct parser *p, const struct word *w, char *value,
                             struct rule_draft *rule)
{
        return parse_ranges(p, w, value, &range_j1939_addr, rule, POLICY_IMAGE_ADDRS);
}

static int option_parse_pgn(struct parser *p, const struct word *w, char *value,
                            struct rule_draft *rule)
{
        return parse_ranges(p, w, value, &range_j1939_pgn, rule, POLICY_IMAGE_PGNS);
}

static int option_parse_name(struct parser *p, const struct word *w, char *value,
                             struct rule_draft *rule)
{
        return parse_ranges(p, w, value, &range_j1939_name, rule, POLICY_IMAGE_NAMES);
}

static int option_parse_fd(struct parser *p, const struct word *w, char *value,
                           struct rule_draft *rule)
{
        if (streq(value, "yes"))
                rule->rec.flags |= POLICY_IMAGE_RULE_CAN_FD;
        else if (!streq(value, "no"))
                return parser_error(p, w->col, "invalid value '%s' for fd=: expected 'yes' or 'no'", value);
        return 0;
}

/* ---- Bluetooth. ---- */

static int option_parse_dev(struct parser *p, const struct word *w, char *value,
                            struct rule_draft *rule)
{
        return parse_ranges(p, w, value, &range_hci_dev, rule, POLICY_IMAGE_DEVS);
}

static int option_parse_hci(struct parser *p, const struct word *w, char *value,
                            struct rule_draft *rule)
{
        struct mask_target t = { "HCI channel", policy_hci_channel_names, POLICY_N_HCI_CHANNELS,
                                 &rule->rec.hci_channels };
        uint32_t n;

        return parse_list(p, value, word_value_col(w, value), mask_item, &t, &n);
}

static int option_parse_channel(struct parser *p, const struct word *w, char *value,
                                struct rule_draft *rule)
{
        return parse_ranges(p, w, value, &range_rfcomm_channel, rule, POLICY_IMAGE_CHANNELS);
}

static int event_item(struct parser *p, char *item, unsigned col, uint32_t i, void *userdata)
{
        struct rule_draft *rule = userdata;
        int r = names_hci_event_from_string(item, &rule->items[POLICY_IMAGE_EVENTS][i]);

        if (r == -ERANGE)
                return parser_error(p, col, "HCI event '%s' is out of range (0x0 to 0xff)", item);
        if (r < 0)
                return parser_error(p, col, "unknown HCI event '%s'", item);
        return 0;
}

static int option_parse_events(struct parser *p, const struct word *w, char *value,
                               struct rule_draft *rule)
{
        return parse_list(p, value, word_value_col(w, value), event_item, rule, &rule->rec.n_items[POLICY_IMAGE_EVENTS]);
}

static int command_item(struct parser *p, char *item, unsigned col, uint32_t i, void *userdata)
{
        struct rule_draft *rule = userdata;
        int r = names_hci_command_from_string(item, &rule->items[POLICY_IMAGE_COMMANDS][i]);

        if (r == -ERANGE)
                return parser_error(p, col, "HCI command '%s' is out of range (0x0 to 0xffff)", item);
        if (r < 0)
                return parser_error(p, col, "unknown HCI command '%s'", item);
        return 0;
}

static int option_parse_command(struct parser *p, const struct word *w, char *value,
                                struct rule_draft *rule)
{
        return parse_list(p, value, word_value_col(w, value), command_item, rule, &rule->rec.n_items[POLICY_IMAGE_COMMANDS]);
}

#define INET_OR_BT (OPTION_FAMILY_INET | OPTION_FAMILY_INET6 | OPTION_FAMILY_BLUETOOTH)
#define CAN OPTION_FAMILY_CAN
#define BT OPTION_FAMILY_BLUETOOTH

static const struct option options[] = {
        { "proto",   OPTION_FAMILIES,   "a family",                         false, option_parse_proto },
        { "iface",   OPTION_FAMILY_ALL, NULL,                               false, option_parse_iface },
        { "bind",    INET_OR_BT,        "family inet, inet6 or bluetooth",  true,  option_parse_bind },
        { "option",  OPTION_FAMILIES,   "a family",                         true,  option_parse_option },
        { "link",    CAN,               "family can",                       true,  option_parse_link },
        { "bitrate", CAN,               "family can",                       true,  option_parse_bitrate },
        { "netns",   OPTION_FAMILY_ALL, NULL,                               true,  option_parse_netns },
        { "rx",      CAN,               "family can",                       true,  option_parse_rx },
        { "tx",      CAN,               "family can",                       true,  option_parse_tx },
        { "addr",    CAN,               "family can",                       true,  option_parse_addr },
        { "pgn",     CAN,               "family can",                       true,  option_parse_pgn },
        { "name",    CAN,               "family can",                       true,  option_parse_name },
        { "fd",      CAN,               "family can",                       true,  option_parse_fd },
        { "dev",     BT,                "family bluetooth",                 true,  option_parse_dev },
        { "hci",     BT,                "family bluetooth",                 true,  option_parse_hci },
        { "channel", BT,                "family bluetooth",                 true,  option_parse_channel },
        { "events",  BT,                "family bluetooth",                 true,  option_parse_events },
        { "command", BT,                "family bluetooth",                 true,  option_parse_command },
};

#undef INET_OR_BT
#undef CAN
#undef BT

_Static_assert(ELEMENTSOF(options) <= 32, "options are tracked in a 32-bit mask");

static const struct selector *selector_find(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(selectors); i++)
                if (strcmp(selectors[i].key, key) == 0)
                        return &selectors[i];
        return NULL;
}

static const struct option *option_find(const char *key, size_t *ret_i)
{
        for (size_t i = 0; i < ELEMENTSOF(options); i++)
                if (strcmp(options[i].key, key) == 0) {
                        *ret_i = i;
                        return &options[i];
                }
        return NULL;
}

/*
 * Parses words[*i] if it is a selector and advances *i. Returns 1 for a
 * selector, 0 when the word is no selector (the family follows), or an
 * error.
 */
static int parse_selector(struct parser *p, size_t *i, unsigned *seen,
                          struct rule_draft *rule)
{
        const struct word *w = &p->words[*i];
        const struct selector *sel;
        enum selector_slot slot;
        const char *value;
        size_t unused;
        int r;

        if (strcmp(w->s, "everyone") == 0) {
                slot = SELECTOR_SLOT_EVERYONE;
                sel = NULL;
                value = NULL;
        } else {
                if (!strchr(w->s, '='))
                        return 0;
                value = word_split(w);
                if (w->s[0] == '\0')
                        return parser_error(p, w->col, "missing name before '='");
                sel = selector_find(w->s);
                if (!sel) {
                        if (option_find(w->s, &unused))
                                return parser_error(p, w->col, "missing family before option '%s'",
                                                    w->s);
                        return parser_error(p, w->col, "unknown selector '%s'", w->s);
                }
                slot = sel->slot;
                if (value[0] == '\0')
                        return parser_error(p, w->col, "missing value for '%s'", w->s);
        }

        if (*seen & (1u << slot))
                return parser_error(p, w->col, "duplicate selector '%s'", w->s);
        if ((slot == SELECTOR_SLOT_EVERYONE && *seen != 0) ||
            (*seen & (1u << SELECTOR_SLOT_EVERYONE)))
                return parser_error(p, w->col, "'everyone' cannot be combined with other selectors");
        *seen |= 1u << slot;

        if (sel) {
                r = sel->parse(p, w, value, rule);
                if (r < 0)
                        return r;
        } else {
                rule->rec.flags |= POLICY_IMAGE_RULE_EVERYONE;
        }

        (*i)++;
        return 1;
}

static int parse_family(struct parser *p, const struct word *w, struct rule_draft *rule)
{
        int family;

        if (strcmp(w->s, "any") == 0) {
                rule->rec.family = 0;
                return 0;
        }
        if (strcmp(w->s, "admin") == 0) {
                rule->rec.family = 0;
                rule->rec.flags |= POLICY_IMAGE_RULE_ADMIN;
                return 0;
        }
        family = names_family_from_string(w->s);
        if (family < 0)
                return parser_error(p, w->col, "unknown family '%s'", w->s);
        if (!policy_family_is_valid(family))
                return parser_error(p, w->col, "family '%s' cannot be used in rules", w->s);
        rule->rec.family = (uint32_t)family;
        return 0;
}

static int parse_type(struct parser *p, const struct word *w, struct rule_draft *rule)
{
        int type;

        if (strcmp(w->s, "any") == 0) {
                rule->rec.type = 0;
                return 0;
        }

        type = names_type_from_string(w->s);
        if (type < 0)
                return parser_error(p, w->col, "unknown type '%s'", w->s);
        if (!policy_type_is_valid(0, type))
                return parser_error(p, w->col, "type '%s' cannot be used in rules", w->s);
        if (!policy_type_is_valid((int)rule->rec.family, type))
                return parser_error(p, w->col, "type '%s' is not valid for family '%s'",
                                    w->s, family_name((int)rule->rec.family));
        rule->rec.type = (uint32_t)type;
        return 0;
}

static int parse_option(struct parser *p, const struct word *w, uint32_t *seen, unsigned *cols,
                        struct rule_draft *rule)
{
        const struct option *opt;
        char *value;
        size_t i;

        value = word_split(w);
        if (!value)
                return parser_error(p, w->col, "expected an option (key=value), got '%s'", w->s);
        if (w->s[0] == '\0')
                return parser_error(p, w->col, "missing name before '='");

        opt = option_find(w->s, &i);
        if (!opt) {
                if (selector_find(w->s))
                        return parser_error(p, w->col, "selector '%s' must come before the family",
                                            w->s);
                return parser_error(p, w->col, "unknown option '%s'", w->s);
        }
        if (*seen & (1u << i))
                return parser_error(p, w->col, "duplicate option '%s'", w->s);
        *seen |= 1u << i;
        cols[i] = w->col;

        if (opt->allow_only && !(rule->rec.flags & POLICY_IMAGE_RULE_ALLOW))
                return parser_error(p, w->col, "%s= cannot be used in a deny rule, which matches by "
                                    "family, type, proto and iface alone", w->s);
        if (!(opt->families & option_family_bit((int)rule->rec.family)))
                return parser_error(p, w->col, "%s= needs %s", w->s, opt->needs);

        return opt->parse(p, w, value, rule);
}

/* What one option needs of another, once all are read. */
static int check_options(struct parser *p, uint32_t seen, const unsigned *cols,
                         const struct rule_draft *rule)
{
        size_t link = 0, bitrate = 0;

        (void)option_find("link", &link);
        (void)option_find("bitrate", &bitrate);

        if ((seen & (1u << bitrate)) && !(rule->rec.link_ops & POLICY_LINK_BITRATE))
                return parser_error(p, cols[bitrate], "bitrate= needs link=bitrate");
        if ((rule->rec.link_ops & POLICY_LINK_BITRATE) && !(seen & (1u << bitrate)))
                return parser_error(p, cols[link], "link=bitrate needs bitrate=");
        return 0;
}

static int parse_rule(struct parser *p)
{
        struct rule_draft rule = {
                .rec.file = p->file_index,
                .rec.line = p->line,
        };
        unsigned seen_selectors = 0, option_cols[ELEMENTSOF(options)] = {};
        uint32_t seen_options = 0;
        size_t i = 0;
        int r;

        if (strcmp(p->words[0].s, "allow") == 0)
                rule.rec.flags |= POLICY_IMAGE_RULE_ALLOW;
        else if (strcmp(p->words[0].s, "deny") != 0)
                return parser_error(p, p->words[0].col, "expected 'allow' or 'deny', got '%s'",
                                    p->words[0].s);
        i++;

        while (i < p->n_words) {
                r = parse_selector(p, &i, &seen_selectors, &rule);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
        }
        if (seen_selectors == 0)
                return parser_error(p, parser_col_of(p, i),
                                    "rule has no selector; use 'everyone' to match every peer");

        if (i >= p->n_words)
                return parser_error(p, parser_end_col(p), "missing family");
        r = parse_family(p, &p->words[i++], &rule);
        if (r < 0)
                return r;
        if ((rule.rec.flags & POLICY_IMAGE_RULE_ADMIN) && i < p->n_words)
                return parser_error(p, p->words[i].col, "the family word 'admin' takes no type or options");

        if (i < p->n_words && !strchr(p->words[i].s, '=')) {
                r = parse_type(p, &p->words[i++], &rule);
                if (r < 0)
                        return r;
        }

        for (; i < p->n_words; i++) {
                r = parse_option(p, &p->words[i], &seen_options, option_cols, &rule);
                if (r < 0)
                        return r;
        }
        r = check_options(p, seen_options, option_cols, &rule);
        if (r < 0)
                return r;

        if (p->builder.n_rules >= POLICY_MAX_RULES)
                return parser_error(p, p->words[0].col, "too many rules (max %u)", POLICY_MAX_RULES);
        r = builder_add_rule(&p->builder, &rule);
        if (r < 0)
                return parser_fail(p, p->words[0].col, r);
        return 0;
}

static int parse_source(struct parser *p, const struct policy_source *src)
{
        const char *t = src->text;
        size_t left = src->len;

        p->line = 0;
        while (left > 0) {
                const char *nl = memchr(t, '\n', left);
                size_t len = nl ? (size_t)(nl - t) : left;
                int r;

                if (p->line == UINT32_MAX)
                        return parser_error(p, 0, "too many lines");
                p->line++;
                if (len > POLICY_MAX_LINE)
                        return parser_error(p, POLICY_MAX_LINE + 1, "line too long (max %u bytes)",
                                            POLICY_MAX_LINE);

                memcpy(p->text, t, len);
                p->text[len] = '\0';
                r = parser_tokenize(p, len);
                if (r < 0)
                        return r;
                if (p->n_words > 0) {
                        r = parse_rule(p);
                        if (r < 0)
                                return r;
                }

                if (!nl)
                        break;
                t = nl + 1;
                left -= len + 1;
        }
        return 0;
}

/* Compiles, and imports what it compiled: with the decision's index
 * (index), or as policy_import_rules() does, without. */
static int compile(const struct policy_source *sources, size_t n_sources,
                   const struct policy_resolver *resolver, bool index,
                   policy **ret, struct policy_error *err)
{
        _cleanup_(parser_freep) struct parser *p = NULL;
        void *image = NULL;
        size_t len;
        int r;

        if (err)
                *err = (struct policy_error){};
        if (!ret || (n_sources > 0 && !sources))
                return error_set(err, -EINVAL, NULL, 0, 0, "invalid arguments");
        if (n_sources > POLICY_MAX_FILES)
                return error_set(err, -EINVAL, NULL, 0, 0, "too many policy files (max %u)",
                                 POLICY_MAX_FILES);

        p = calloc(1, sizeof(*p));
        if (!p)
                return error_set(err, -ENOMEM, NULL, 0, 0, "out of memory");
        p->resolver = resolver;
        p->err = err;

        for (size_t i = 0; i < n_sources; i++) {
                const struct policy_source *src = &sources[i];
                uint32_t name;

                if (!src->name || src->name[0] == '\0' || strlen(src->name) >= POLICY_MAX_PATH)
                        return error_set(err, -EINVAL, NULL, 0, 0, "invalid policy file name");
                if (!src->text && src->len > 0)
                        return error_set(err, -EINVAL, src->name, 0, 0, "no text");

                p->file = src->name;
                p->file_index = (uint32_t)i;
                p->line = 0;
                r = parser_add_string(p, 0, src->name, &name);
                if (r < 0)
                        return r;
                p->builder.files[p->builder.n_files++] = name;

                r = parse_source(p, src);
                if (r < 0)
                        return r;
        }

        r = builder_finish(&p->builder, &image, &len);
        if (r < 0)
                return error_set(err, r, NULL, 0, 0, "out of memory");
        if (index)
                r = policy_import_take(image, len, ret);
        else {
                /* Without the index, but with the selectors, which are
                 * the broker's to check and a compiler's to get right. */
                policy *q = NULL;

                r = policy_import_rules_take(image, len, &q);
                if (r >= 0)
                        r = policy_import_selectors(q);
                if (r < 0)
                        policy_free(q);
                else
                        *ret = q;
        }
        if (r == -ENOMEM)
                return error_set(err, r, NULL, 0, 0, "out of memory");
        if (r < 0)
                /* The compiler wrote something the importer refuses: a bug. */
                return error_set(err, r, NULL, 0, 0, "internal error: compiled policy is invalid");
        return 0;
}

int policy_compile(const struct policy_source *sources, size_t n_sources,
                   const struct policy_resolver *resolver,
                   policy **ret, struct policy_error *err)
{
        return compile(sources, n_sources, resolver, true, ret, err);
}

int policy_compile_rules(const struct policy_source *sources, size_t n_sources,
                         const struct policy_resolver *resolver,
                         policy **ret, struct policy_error *err)
{
        return compile(sources, n_sources, resolver, false, ret, err);
}

/* The image a policy was imported from: the compiler's answer. */
int policy_export(const policy *p, void **ret_buf, size_t *ret_len)
{
        void *buf;

        if (!p || !ret_buf || !ret_len)
                return -EINVAL;

        /* The image was validated on the way in and is never modified. */
        buf = malloc(p->image_len);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, p->image, p->image_len);

        *ret_buf = buf;
        *ret_len = p->image_len;
        return 0;
}
