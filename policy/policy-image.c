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
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "common/names.h"
#include "common/util.h"
#include "policy/policy-internal.h"

_Static_assert(sizeof(uid_t) == sizeof(uint32_t), "uid_t is 32 bits");
_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");

policy *policy_free(policy *p)
{
        if (!p)
                return NULL;
        policy_index_deinit(p);
        free(p->rules);
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

size_t policy_n_files(const policy *p)
{
        return p ? p->n_files : 0;
}

const char *policy_get_file(const policy *p, size_t index)
{
        return p && index < p->n_files ? p->files[index] : NULL;
}

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

struct string_table {
        const char *data;
        uint32_t size;
};

/* A non-empty string of at most max bytes that starts and ends (with its
 * NUL) inside the table. */
static int image_string(const struct string_table *t, uint32_t offset, size_t max,
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

static bool all_zero(const uint32_t *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (v[i] != 0)
                        return false;
        return true;
}

/* A list of { lo, hi } ranges: at most POLICY_MAX_LIST, none unless
 * allowed, each ordered and within lim, unused slots zero. */
static int image_ranges(const uint32_t (*slots)[2], uint32_t n, bool allowed,
                        struct policy_limits lim, struct policy_range *out, uint32_t *ret_n)
{
        if (n > POLICY_MAX_LIST || (n > 0 && !allowed))
                return -EBADMSG;
        if (!all_zero(&slots[0][0] + 2 * n, 2 * (POLICY_MAX_LIST - n)))
                return -EBADMSG;
        for (uint32_t i = 0; i < n; i++) {
                uint64_t lo = slots[i][0], hi = slots[i][1];

                if (lo > hi || lo < lim.min || hi > lim.max)
                        return -EBADMSG;
                out[i] = (struct policy_range){ lo, hi };
        }
        *ret_n = n;
        return 0;
}

/* The same for 64-bit ranges, stored as { lo low, lo high, hi low, hi high }. */
static int image_ranges64(const uint32_t (*slots)[4], uint32_t n, bool allowed,
                          struct policy_limits lim, struct policy_range *out, uint32_t *ret_n)
{
        if (n > POLICY_MAX_LIST || (n > 0 && !allowed))
                return -EBADMSG;
        if (!all_zero(&slots[0][0] + 4 * n, 4 * (POLICY_MAX_LIST - n)))
                return -EBADMSG;
        for (uint32_t i = 0; i < n; i++) {
                uint64_t lo = (uint64_t)slots[i][1] << 32 | slots[i][0];
                uint64_t hi = (uint64_t)slots[i][3] << 32 | slots[i][2];

                if (lo > hi || lo < lim.min || hi > lim.max)
                        return -EBADMSG;
                out[i] = (struct policy_range){ lo, hi };
        }
        *ret_n = n;
        return 0;
}

/* A list of single numbers up to max. */
static int image_numbers(const uint32_t *v, uint32_t n, bool allowed, uint32_t max)
{
        if (n > POLICY_MAX_LIST || (n > 0 && !allowed))
                return -EBADMSG;
        if (!all_zero(v + n, POLICY_MAX_LIST - n))
                return -EBADMSG;
        for (uint32_t i = 0; i < n; i++)
                if (v[i] > max)
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

/* The words of image version 2. */
static int image_decode_words(const struct policy_image_rule *rec, int family,
                              struct policy_rule *rule)
{
        bool can = family == AF_CAN, bt = family == AF_BLUETOOTH;
        int r;

        if (rec->netns > POLICY_NETNS_HOST || (bt && rec->netns == POLICY_NETNS_CLIENT))
                return -EBADMSG;
        rule->netns = (enum policy_netns)rec->netns;

        r = image_ranges(rec->ports, rec->n_ports, policy_family_has_ports(family),
                         POLICY_LIMITS_PORT, rule->ports, &rule->n_ports);
        if (r < 0)
                return r;

        r = image_sockopts(rec, family, rule);
        if (r < 0)
                return r;

        if (rec->link_ops & ~(uint32_t)POLICY_LINK_OPS_ALL || (rec->link_ops && !can))
                return -EBADMSG;
        /* bitrate= exactly when link=bitrate */
        if (!(rec->link_ops & POLICY_LINK_BITRATE) != (rec->n_bitrates == 0))
                return -EBADMSG;
        rule->link_ops = rec->link_ops;
        r = image_ranges(rec->bitrates, rec->n_bitrates, can, POLICY_LIMITS_BITRATE,
                         rule->bitrates, &rule->n_bitrates);
        if (r < 0)
                return r;

        r = image_ranges(rec->rx, rec->n_rx, can, POLICY_LIMITS_CAN_ID, rule->rx, &rule->n_rx);
        if (r >= 0)
                r = image_ranges(rec->tx, rec->n_tx, can, POLICY_LIMITS_CAN_ID, rule->tx, &rule->n_tx);
        if (r >= 0)
                r = image_ranges(rec->addrs, rec->n_addrs, can, POLICY_LIMITS_J1939_ADDR,
                                 rule->addrs, &rule->n_addrs);
        if (r >= 0)
                r = image_ranges(rec->pgns, rec->n_pgns, can, POLICY_LIMITS_J1939_PGN,
                                 rule->pgns, &rule->n_pgns);
        if (r >= 0)
                r = image_ranges64(rec->names, rec->n_names, can, POLICY_LIMITS_J1939_NAME,
                                   rule->names, &rule->n_names);
        if (r < 0)
                return r;
        if ((rec->flags & POLICY_IMAGE_RULE_CAN_FD) && !can)
                return -EBADMSG;
        rule->can_fd = rec->flags & POLICY_IMAGE_RULE_CAN_FD;

        r = image_ranges(rec->devs, rec->n_devs, bt, POLICY_LIMITS_HCI_DEV, rule->devs, &rule->n_devs);
        if (r >= 0)
                r = image_ranges(rec->channels, rec->n_channels, bt, POLICY_LIMITS_RFCOMM_CHANNEL,
                                 rule->channels, &rule->n_channels);
        if (r < 0)
                return r;
        if (rec->hci_channels & ~(uint32_t)POLICY_HCI_CHANNELS_ALL || (rec->hci_channels && !bt))
                return -EBADMSG;
        rule->hci_channels = rec->hci_channels;

        r = image_numbers(rec->events, rec->n_events, bt, (uint32_t)POLICY_LIMITS_HCI_EVENT.max);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < rec->n_events; i++)
                rule->events[i] = (uint8_t)rec->events[i];
        rule->n_events = rec->n_events;

        r = image_numbers(rec->commands, rec->n_commands, bt, (uint32_t)POLICY_LIMITS_HCI_OPCODE.max);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < rec->n_commands; i++)
                rule->commands[i] = (uint16_t)rec->commands[i];
        rule->n_commands = rec->n_commands;

        return 0;
}

/* Whether any word of version 2 is used: none may be on a deny rule or
 * an admin rule. They are the fields from netns to the end. */
_Static_assert(offsetof(struct policy_image_rule, netns) == 4 * (11 + 2 * POLICY_MAX_LIST),
               "netns is the first field of version 2");
static bool image_has_words(const struct policy_image_rule *rec)
{
        const uint8_t *start = (const uint8_t *)&rec->netns;
        const uint8_t *end = (const uint8_t *)(rec + 1);

        if (rec->flags & POLICY_IMAGE_RULE_CAN_FD)
                return true;
        for (const uint8_t *b = start; b < end; b++)
                if (*b != 0)
                        return true;
        return false;
}

static int image_decode_rule(const struct policy_image_rule *rec, const struct string_table *t,
                             const policy *p, struct policy_rule *rule)
{
        const uint32_t selectors = POLICY_IMAGE_RULE_UID | POLICY_IMAGE_RULE_GID |
                                   POLICY_IMAGE_RULE_UNIT | POLICY_IMAGE_RULE_CGROUP;
        int family, type, r;

        if (rec->flags & ~(uint32_t)POLICY_IMAGE_RULE_FLAGS)
                return -EBADMSG;
        if (rec->file >= p->n_files || rec->line == 0)
                return -EBADMSG;

        /* Exactly one of: 'everyone', or one or more other selectors. */
        if (!(rec->flags & POLICY_IMAGE_RULE_EVERYONE) == !(rec->flags & selectors))
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
        rule->everyone = rec->flags & POLICY_IMAGE_RULE_EVERYONE;
        rule->family = family;
        rule->type = type;

        rule->has_uid = rec->flags & POLICY_IMAGE_RULE_UID;
        if (rule->has_uid ? rec->uid == UINT32_MAX : rec->uid != 0)
                return -EBADMSG;
        rule->uid = (uid_t)rec->uid;

        rule->has_gid = rec->flags & POLICY_IMAGE_RULE_GID;
        if (rule->has_gid ? rec->gid == UINT32_MAX : rec->gid != 0)
                return -EBADMSG;
        rule->gid = (gid_t)rec->gid;

        if (rec->flags & POLICY_IMAGE_RULE_UNIT) {
                r = image_string(t, rec->unit, POLICY_MAX_STRING - 1, &rule->unit);
                if (r < 0 || policy_unit_check(rule->unit))
                        return -EBADMSG;
        } else if (rec->unit != 0)
                return -EBADMSG;

        if (rec->flags & POLICY_IMAGE_RULE_CGROUP) {
                r = image_string(t, rec->cgroup, POLICY_MAX_STRING - 1, &rule->cgroup);
                if (r < 0 || policy_cgroup_check(rule->cgroup))
                        return -EBADMSG;
        } else if (rec->cgroup != 0)
                return -EBADMSG;

        if (rec->n_protocols > POLICY_MAX_LIST || (rec->n_protocols > 0 && family == 0))
                return -EBADMSG;
        if (!all_zero(rec->protocols + rec->n_protocols, POLICY_MAX_LIST - rec->n_protocols))
                return -EBADMSG;
        for (uint32_t i = 0; i < rec->n_protocols; i++) {
                if (!names_protocol_is_valid(family, rec->protocols[i]))
                        return -EBADMSG;
                rule->protocols[i] = rec->protocols[i];
        }
        rule->n_protocols = rec->n_protocols;

        if (rec->n_ifaces > POLICY_MAX_LIST)
                return -EBADMSG;
        if (!all_zero(rec->ifaces + rec->n_ifaces, POLICY_MAX_LIST - rec->n_ifaces))
                return -EBADMSG;
        for (uint32_t i = 0; i < rec->n_ifaces; i++) {
                r = image_string(t, rec->ifaces[i], POLICY_MAX_STRING - 1, &rule->ifaces[i]);
                if (r < 0 || policy_iface_glob_check(rule->ifaces[i]))
                        return -EBADMSG;
        }
        rule->n_ifaces = rec->n_ifaces;

        /* admin: no family, type, protocol, interface or other word. */
        rule->admin = rec->flags & POLICY_IMAGE_RULE_ADMIN;
        if (rule->admin && (family != 0 || type != 0 || rec->n_ifaces != 0))
                return -EBADMSG;
        if ((rule->admin || !rule->allow) && image_has_words(rec))
                return -EBADMSG;

        return image_decode_words(rec, family, rule);
}

int policy_import_take(void *image, size_t len, policy **ret)
{
        _cleanup_free_ void *owned = image;
        _cleanup_(policy_freep) policy *p = NULL;
        const uint8_t *base = image;
        struct policy_image_header h;
        struct string_table strings;
        uint64_t files_off, rules_off, strings_off, end;
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
            h.strings_size > POLICY_IMAGE_MAX_STRINGS)
                return -EBADMSG;

        /* Bounded by the checks above, so none of this can overflow. */
        files_off = sizeof(h);
        rules_off = files_off + (uint64_t)h.n_files * sizeof(uint32_t);
        strings_off = rules_off + (uint64_t)h.n_rules * sizeof(struct policy_image_rule);
        end = strings_off + h.strings_size;
        if (end != len)
                return -EBADMSG;

        strings = (struct string_table){
                .data = (const char *)base + strings_off,
                .size = h.strings_size,
        };

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->files = calloc(h.n_files ? h.n_files : 1, sizeof(*p->files));
        p->rules = calloc(h.n_rules ? h.n_rules : 1, sizeof(*p->rules));
        if (!p->files || !p->rules)
                return -ENOMEM;

        for (uint32_t i = 0; i < h.n_files; i++) {
                uint32_t offset;

                memcpy(&offset, base + files_off + (uint64_t)i * sizeof(offset), sizeof(offset));
                r = image_string(&strings, offset, POLICY_MAX_PATH - 1, &p->files[i]);
                if (r < 0)
                        return r;
                p->n_files++;
        }

        for (uint32_t i = 0; i < h.n_rules; i++) {
                struct policy_image_rule rec;

                memcpy(&rec, base + rules_off + (uint64_t)i * sizeof(rec), sizeof(rec));
                p->rules[i].index = i;
                r = image_decode_rule(&rec, &strings, p, &p->rules[i]);
                if (r < 0)
                        return r;
                p->n_rules++;
        }

        p->image = TAKE_PTR(owned);
        p->image_len = len;

        r = policy_index_init(p);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(p);
        return 0;
}

int policy_import(const void *buf, size_t len, policy **ret)
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
        return policy_import_take(copy, len, ret);
}
