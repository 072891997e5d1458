/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-image.c - export and import of the compiled policy, and the
 * struct policy built from an image.
 *
 * The broker receives the image from the opener and must not trust it
 * further than it can check it: policy_import() validates every count,
 * offset, string and value against the same rules the compiler applies
 * to text, before anything points into it. It copies the input first,
 * so a buffer that changes underneath (shared memory) cannot change
 * what was checked. The layout is in policy-internal.h.
 */
#include <assert.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "common/names.h"
#include "common/util.h"
#include "policy/policy-internal.h"

policy *policy_free(policy *p)
{
        if (!p)
                return NULL;
        /* The index, when policy_import() built one (policy-decide.c). */
        if (p->index_free)
                p->index_free(p->index);
        free(p->rules);
        free(p->protocols);
        free(p->ifaces);
        free(p->ranges);
        free(p->events);
        free(p->commands);
        free(p->files);
        free(p->image);
        free(p);
        return NULL;
}

size_t policy_n_rules(const policy *p)
{
        return p ? p->n_rules : 0;
}

const struct policy_rule *policy_get_rule(const policy *p, size_t index)
{
        return p && index < p->n_rules ? &p->rules[index] : NULL;
}

int policy_image_string(const struct policy_string_table *t, uint32_t offset, size_t max,
                        const char **ret)
{
        const char *s, *nul;

        if (offset >= t->size)
                return -EBADMSG;
        s = t->data + offset;
        nul = memchr(s, '\0', t->size - offset);
        if (!nul || nul == s || (size_t)(nul - s) > max)
                return -EBADMSG;

        *ret = s;
        return 0;
}

const uint8_t policy_image_item_words[_POLICY_IMAGE_LISTS] = {
        [POLICY_IMAGE_PROTOCOLS] = 1,
        [POLICY_IMAGE_IFACES] = 1,
        [POLICY_IMAGE_PORTS] = 2,
        [POLICY_IMAGE_BITRATES] = 2,
        [POLICY_IMAGE_RX] = 2,
        [POLICY_IMAGE_TX] = 2,
        [POLICY_IMAGE_ADDRS] = 2,
        [POLICY_IMAGE_PGNS] = 2,
        [POLICY_IMAGE_NAMES] = 4,
        [POLICY_IMAGE_DEVS] = 2,
        [POLICY_IMAGE_CHANNELS] = 2,
        [POLICY_IMAGE_EVENTS] = 1,
        [POLICY_IMAGE_COMMANDS] = 1,
};

/*
 * The import under way: the image's words not yet taken, the string
 * table, and the next free item of each of the policy's lists.
 */
struct importer {
        const uint8_t *words;
        uint32_t n_words;
        uint32_t next_word;
        struct policy_string_table strings;
        uint32_t *protocols;
        const char **ifaces;
        struct policy_range *ranges;
        uint8_t *events;
        uint16_t *commands;
};

/* Takes the next n items of list from the words, into out (room for
 * POLICY_MAX_LIST items of four words); the counts were checked against
 * the words before any rule was decoded. */
static void import_items(struct importer *im, enum policy_image_list list, uint32_t n,
                         uint32_t *out)
{
        size_t len = (size_t)n * policy_image_item_words[list] * sizeof(uint32_t);

        assert(n <= POLICY_MAX_LIST && im->next_word + len / sizeof(uint32_t) <= im->n_words);
        memcpy(out, im->words + (size_t)im->next_word * sizeof(uint32_t), len);
        im->next_word += (uint32_t)(len / sizeof(uint32_t));
}

/* A list of ranges, none unless allowed, each ordered and within lim. */
static int import_ranges(struct importer *im, enum policy_image_list list, uint32_t n,
                         bool allowed, struct policy_limits lim,
                         const struct policy_range **ret, uint32_t *ret_n)
{
        uint32_t w[POLICY_MAX_LIST * 4];
        bool wide = policy_image_item_words[list] == 4;

        if (n > 0 && !allowed)
                return -EBADMSG;
        import_items(im, list, n, w);
        for (uint32_t i = 0; i < n; i++) {
                uint64_t lo, hi;

                if (wide) {
                        lo = (uint64_t)w[4 * i + 1] << 32 | w[4 * i];
                        hi = (uint64_t)w[4 * i + 3] << 32 | w[4 * i + 2];
                } else {
                        lo = w[2 * i];
                        hi = w[2 * i + 1];
                }
                if (lo > hi || lo < lim.min || hi > lim.max)
                        return -EBADMSG;
                im->ranges[i] = (struct policy_range){ lo, hi };
        }
        *ret = im->ranges;
        *ret_n = n;
        im->ranges += n;
        return 0;
}

/* A list of single numbers up to max, none unless allowed. */
static int import_numbers(struct importer *im, enum policy_image_list list, uint32_t n,
                          bool allowed, uint32_t max, uint32_t *out)
{
        if (n > 0 && !allowed)
                return -EBADMSG;
        import_items(im, list, n, out);
        for (uint32_t i = 0; i < n; i++)
                if (out[i] > max)
                        return -EBADMSG;
        return 0;
}

/* option=: known options only, on a rule with a family; each allowed
 * option with a range has one within its limits, everything else zero. */
static int image_sockopts(const struct policy_image_rule *rec, int family, struct policy_rule *rule)
{
        if (rec->sockopts & ~(uint32_t)POLICY_SOCKOPTS_ALL || (rec->sockopts && family == 0))
                return -EBADMSG;
        for (size_t i = 0; i < _POLICY_SOCKOPT_MAX; i++) {
                const struct policy_sockopt_info *info = &policy_sockopts[i];
                uint64_t lo = rec->sockopt_range[i][0], hi = rec->sockopt_range[i][1];

                if (!(rec->sockopts & (1u << i)) || !info->has_range) {
                        if (lo != 0 || hi != 0)
                                return -EBADMSG;
                        continue;
                }
                if (lo > hi || lo < info->limits.min || hi > info->limits.max)
                        return -EBADMSG;
                rule->sockopt_range[i] = (struct policy_range){ lo, hi };
        }
        rule->sockopts = rec->sockopts;
        return 0;
}

/* proto= and iface=. */
static int image_decode_match(const struct policy_image_rule *rec, int family,
                              struct importer *im, struct policy_rule *rule)
{
        uint32_t n = rec->n_items[POLICY_IMAGE_PROTOCOLS], w[POLICY_MAX_LIST];
        int r;

        if (n > 0 && family == 0)
                return -EBADMSG;
        import_items(im, POLICY_IMAGE_PROTOCOLS, n, im->protocols);
        for (uint32_t i = 0; i < n; i++)
                if (!names_protocol_is_valid(family, im->protocols[i]))
                        return -EBADMSG;
        rule->protocols = im->protocols;
        rule->n_protocols = n;
        im->protocols += n;

        n = rec->n_items[POLICY_IMAGE_IFACES];
        import_items(im, POLICY_IMAGE_IFACES, n, w);
        for (uint32_t i = 0; i < n; i++) {
                r = policy_image_string(&im->strings, w[i], POLICY_MAX_STRING - 1, &im->ifaces[i]);
                if (r < 0 || policy_iface_glob_check(im->ifaces[i]))
                        return -EBADMSG;
        }
        rule->ifaces = im->ifaces;
        rule->n_ifaces = n;
        im->ifaces += n;
        return 0;
}

/* The words of image version 2, and their lists. */
static int image_decode_words(const struct policy_image_rule *rec, int family,
                              struct importer *im, struct policy_rule *rule)
{
        const uint32_t *n = rec->n_items;
        bool can = family == AF_CAN, bt = family == AF_BLUETOOTH;
        uint32_t w[POLICY_MAX_LIST];
        int r;

        if (rec->netns > POLICY_NETNS_HOST || (bt && rec->netns == POLICY_NETNS_CLIENT))
                return -EBADMSG;
        rule->netns = (enum policy_netns)rec->netns;

        r = import_ranges(im, POLICY_IMAGE_PORTS, n[POLICY_IMAGE_PORTS],
                          policy_family_has_ports(family), POLICY_LIMITS_PORT,
                          &rule->ports, &rule->n_ports);
        if (r < 0)
                return r;

        r = image_sockopts(rec, family, rule);
        if (r < 0)
                return r;

        if (rec->link_ops & ~(uint32_t)POLICY_LINK_OPS_ALL || (rec->link_ops && !can))
                return -EBADMSG;
        /* bitrate= exactly when link=bitrate */
        if (!(rec->link_ops & POLICY_LINK_BITRATE) != (n[POLICY_IMAGE_BITRATES] == 0))
                return -EBADMSG;
        rule->link_ops = rec->link_ops;
        r = import_ranges(im, POLICY_IMAGE_BITRATES, n[POLICY_IMAGE_BITRATES], can,
                          POLICY_LIMITS_BITRATE, &rule->bitrates, &rule->n_bitrates);
        if (r >= 0)
                r = import_ranges(im, POLICY_IMAGE_RX, n[POLICY_IMAGE_RX], can,
                                  POLICY_LIMITS_CAN_ID, &rule->rx, &rule->n_rx);
        if (r >= 0)
                r = import_ranges(im, POLICY_IMAGE_TX, n[POLICY_IMAGE_TX], can,
                                  POLICY_LIMITS_CAN_ID, &rule->tx, &rule->n_tx);
        if (r >= 0)
                r = import_ranges(im, POLICY_IMAGE_ADDRS, n[POLICY_IMAGE_ADDRS], can,
                                  POLICY_LIMITS_J1939_ADDR, &rule->addrs, &rule->n_addrs);
        if (r >= 0)
                r = import_ranges(im, POLICY_IMAGE_PGNS, n[POLICY_IMAGE_PGNS], can,
                                  POLICY_LIMITS_J1939_PGN, &rule->pgns, &rule->n_pgns);
        if (r >= 0)
                r = import_ranges(im, POLICY_IMAGE_NAMES, n[POLICY_IMAGE_NAMES], can,
                                  POLICY_LIMITS_J1939_NAME, &rule->names, &rule->n_names);
        if (r < 0)
                return r;
        if ((rec->flags & POLICY_IMAGE_RULE_CAN_FD) && !can)
                return -EBADMSG;
        rule->can_fd = rec->flags & POLICY_IMAGE_RULE_CAN_FD;

        r = import_ranges(im, POLICY_IMAGE_DEVS, n[POLICY_IMAGE_DEVS], bt,
                          POLICY_LIMITS_HCI_DEV, &rule->devs, &rule->n_devs);
        if (r >= 0)
                r = import_ranges(im, POLICY_IMAGE_CHANNELS, n[POLICY_IMAGE_CHANNELS], bt,
                                  POLICY_LIMITS_RFCOMM_CHANNEL, &rule->channels, &rule->n_channels);
        if (r < 0)
                return r;
        if (rec->hci_channels & ~(uint32_t)POLICY_HCI_CHANNELS_ALL || (rec->hci_channels && !bt))
                return -EBADMSG;
        rule->hci_channels = rec->hci_channels;

        r = import_numbers(im, POLICY_IMAGE_EVENTS, n[POLICY_IMAGE_EVENTS], bt,
                           (uint32_t)POLICY_LIMITS_HCI_EVENT.max, w);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < n[POLICY_IMAGE_EVENTS]; i++)
                im->events[i] = (uint8_t)w[i];
        rule->events = im->events;
        rule->n_events = n[POLICY_IMAGE_EVENTS];
        im->events += rule->n_events;

        r = import_numbers(im, POLICY_IMAGE_COMMANDS, n[POLICY_IMAGE_COMMANDS], bt,
                           (uint32_t)POLICY_LIMITS_HCI_OPCODE.max, w);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < n[POLICY_IMAGE_COMMANDS]; i++)
                im->commands[i] = (uint16_t)w[i];
        rule->commands = im->commands;
        rule->n_commands = n[POLICY_IMAGE_COMMANDS];
        im->commands += rule->n_commands;

        return 0;
}

/* Whether any word of version 2 is used: none may be on a deny rule or
 * an admin rule. */
static bool image_has_words(const struct policy_image_rule *rec)
{
        if (rec->flags & POLICY_IMAGE_RULE_CAN_FD)
                return true;
        if (rec->netns || rec->sockopts || rec->link_ops || rec->hci_channels)
                return true;
        for (size_t i = 0; i < _POLICY_SOCKOPT_MAX; i++)
                if (rec->sockopt_range[i][0] || rec->sockopt_range[i][1])
                        return true;
        for (size_t k = POLICY_IMAGE_PORTS; k < _POLICY_IMAGE_LISTS; k++)
                if (rec->n_items[k])
                        return true;
        return false;
}

/* What a rule permits; its selectors, which only the decision looks at,
 * are import_selectors()' in policy-decide.c. */
static int image_decode_rule(const struct policy_image_rule *rec, struct importer *im,
                             const policy *p, struct policy_rule *rule)
{
        int family, type, r;

        if (rec->flags & ~(uint32_t)POLICY_IMAGE_RULE_FLAGS)
                return -EBADMSG;
        if (rec->file >= p->n_files || rec->line == 0)
                return -EBADMSG;

        if (rec->family > INT_MAX || rec->type > INT_MAX)
                return -EBADMSG;
        family = (int)rec->family;
        type = (int)rec->type;
        if (family != 0 && !policy_family_is_valid(family))
                return -EBADMSG;
        if (type != 0 && !policy_type_is_valid(family, type))
                return -EBADMSG;

        rule->allow = rec->flags & POLICY_IMAGE_RULE_ALLOW;
        rule->file = p->files[rec->file];
        rule->line = rec->line;
        rule->family = family;
        rule->type = type;

        r = image_decode_match(rec, family, im, rule);
        if (r < 0)
                return r;

        /* admin: no family, type, protocol, interface or other word. */
        rule->admin = rec->flags & POLICY_IMAGE_RULE_ADMIN;
        if (rule->admin && (family != 0 || type != 0 || rule->n_ifaces != 0))
                return -EBADMSG;
        if ((rule->admin || !rule->allow) && image_has_words(rec))
                return -EBADMSG;

        return image_decode_words(rec, family, im, rule);
}

/*
 * Before any rule is decoded: no list longer than POLICY_MAX_LIST, and the
 * lists' items exactly the image's words. Allocates room for the items.
 */
static int import_prepare(const uint8_t *recs, uint32_t n_rules, uint32_t n_words, policy *p)
{
        uint64_t words = 0, items[_POLICY_IMAGE_LISTS] = {};
        size_t n_ranges;

        for (uint32_t i = 0; i < n_rules; i++) {
                struct policy_image_rule rec;

                memcpy(&rec, recs + (size_t)i * sizeof(rec), sizeof(rec));
                for (size_t k = 0; k < _POLICY_IMAGE_LISTS; k++) {
                        if (rec.n_items[k] > POLICY_MAX_LIST)
                                return -EBADMSG;
                        items[k] += rec.n_items[k];
                        words += (uint64_t)rec.n_items[k] * policy_image_item_words[k];
                }
        }
        if (words != n_words)
                return -EBADMSG;

        n_ranges = 0;
        for (size_t k = POLICY_IMAGE_PORTS; k <= POLICY_IMAGE_CHANNELS; k++)
                n_ranges += items[k];
        /* One more of each, so that no allocation is of zero bytes. */
        p->protocols = calloc(items[POLICY_IMAGE_PROTOCOLS] + 1, sizeof(*p->protocols));
        p->ifaces = calloc(items[POLICY_IMAGE_IFACES] + 1, sizeof(*p->ifaces));
        p->ranges = calloc(n_ranges + 1, sizeof(*p->ranges));
        p->events = calloc(items[POLICY_IMAGE_EVENTS] + 1, sizeof(*p->events));
        p->commands = calloc(items[POLICY_IMAGE_COMMANDS] + 1, sizeof(*p->commands));
        if (!p->protocols || !p->ifaces || !p->ranges || !p->events || !p->commands)
                return -ENOMEM;
        return 0;
}

int policy_import_rules_take(void *image, size_t len, policy **ret)
{
        _cleanup_free_ void *owned = image;
        _cleanup_(policy_freep) policy *p = NULL;
        const uint8_t *base = image;
        struct policy_image_header h;
        struct importer im;
        uint64_t files_off, rules_off, words_off, strings_off, end;
        int r;

        if (!ret || (!image && len > 0))
                return -EINVAL;

        if (len < sizeof(h))
                return -EBADMSG;
        memcpy(&h, base, sizeof(h));
        if (memcmp(h.magic, POLICY_IMAGE_MAGIC, sizeof(h.magic)) != 0 ||
            h.version != POLICY_IMAGE_VERSION)
                return -EBADMSG;
        if (h.n_files > POLICY_MAX_FILES || h.n_rules > POLICY_MAX_RULES ||
            h.n_words > POLICY_IMAGE_MAX_WORDS || h.strings_size > POLICY_IMAGE_MAX_STRINGS)
                return -EBADMSG;

        /* Bounded by the checks above, so none of this can overflow. */
        files_off = sizeof(h);
        rules_off = files_off + (uint64_t)h.n_files * sizeof(uint32_t);
        words_off = rules_off + (uint64_t)h.n_rules * sizeof(struct policy_image_rule);
        strings_off = words_off + (uint64_t)h.n_words * sizeof(uint32_t);
        end = strings_off + h.strings_size;
        if (end != len)
                return -EBADMSG;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->files = calloc(h.n_files ? h.n_files : 1, sizeof(*p->files));
        p->rules = calloc(h.n_rules ? h.n_rules : 1, sizeof(*p->rules));
        if (!p->files || !p->rules)
                return -ENOMEM;
        r = import_prepare(base + rules_off, h.n_rules, h.n_words, p);
        if (r < 0)
                return r;

        im = (struct importer){
                .words = base + words_off,
                .n_words = h.n_words,
                .strings = { .data = (const char *)base + strings_off, .size = h.strings_size },
                .protocols = p->protocols,
                .ifaces = p->ifaces,
                .ranges = p->ranges,
                .events = p->events,
                .commands = p->commands,
        };

        for (uint32_t i = 0; i < h.n_files; i++) {
                uint32_t offset;

                memcpy(&offset, base + files_off + (uint64_t)i * sizeof(offset), sizeof(offset));
                r = policy_image_string(&im.strings, offset, POLICY_MAX_PATH - 1, &p->files[i]);
                if (r < 0)
                        return r;
                p->n_files++;
        }

        for (uint32_t i = 0; i < h.n_rules; i++) {
                struct policy_image_rule rec;

                memcpy(&rec, base + rules_off + (uint64_t)i * sizeof(rec), sizeof(rec));
                p->rules[i].index = i;
                r = image_decode_rule(&rec, &im, p, &p->rules[i]);
                if (r < 0)
                        return r;
                p->n_rules++;
        }
        assert(im.next_word == h.n_words);

        p->image = TAKE_PTR(owned);
        p->image_len = len;

        *ret = TAKE_PTR(p);
        return 0;
}

int policy_import_rules(const void *buf, size_t len, policy **ret)
{
        void *copy;

        if (!ret || (!buf && len > 0))
                return -EINVAL;
        if (len < sizeof(struct policy_image_header) || len > POLICY_IMAGE_MAX_SIZE)
                return -EBADMSG;

        copy = malloc(len);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, buf, len);
        return policy_import_rules_take(copy, len, ret);
}
