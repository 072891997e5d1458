/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-decide.c - the decision: which rule, if any, answers a peer's
 * request (policy_check()), with the index that makes finding it cheap,
 * and the importer that builds that index. The broker and the sockbroker
 * tool decide; the opener, which only re-checks the rule the broker
 * names (policy-check.c), links none of this.
 *
 * The answer is defined as "the first rule, in file order, whose
 * selectors match the peer and whose constraints cover the request". The
 * index only makes finding it cheap: per family, the rules are split by
 * the identity they name (uid, else gid, else neither), each list holding
 * rule indexes in ascending order. A peer can only be matched by rules in
 * its uid's list, its groups' lists and the "other" list, so those are
 * the candidates; each list is scanned until its indexes pass the best
 * match found so far. A policy of ten thousand per-uid rules thus costs a
 * binary search, not ten thousand comparisons.
 *
 * Every operation but STATUS is about one family and is looked up in
 * that family's slot; STATUS has no family and is looked up in a slot of
 * its own that holds only the admin rules, the only rules that can match
 * it. Admin rules are in no family slot, since they match nothing else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/util.h"
#include "policy/policy-decide.h"
#include "policy/policy-internal.h"

/* The index slot after the families: admin rules, for POLICY_OP_STATUS. */
#define POLICY_INDEX_ADMIN POLICY_N_FAMILIES

/* A run of entries[] with the rule indexes, ascending, for one uid/gid. */
struct policy_bucket {
        uint32_t id;
        uint32_t start;
        uint32_t n;
};

/* The rules that can match requests of one family (or, in the admin
 * slot, STATUS requests); a policy's index is POLICY_N_FAMILIES + 1 of
 * these. */
struct policy_index {
        struct policy_bucket *uids;     /* sorted by id */
        size_t n_uids;
        struct policy_bucket *gids;     /* sorted by id */
        size_t n_gids;
        uint32_t *entries;
        uint32_t *other;                /* rules without uid or gid, ascending */
        size_t n_other;
};

struct id_rule {
        uint32_t id;
        uint32_t rule;
};

static int id_rule_compare(const void *a, const void *b)
{
        const struct id_rule *x = a, *y = b;

        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        if (x->rule != y->rule)
                return x->rule < y->rule ? -1 : 1;
        return 0;
}

/* Sorts pairs and turns them into buckets over entries[]. */
static int buckets_build(struct id_rule *pairs, size_t n, uint32_t *entries, uint32_t entries_start,
                         struct policy_bucket **ret, size_t *ret_n)
{
        struct policy_bucket *buckets;
        size_t n_buckets = 0;

        *ret = NULL;
        *ret_n = 0;
        if (n == 0)
                return 0;

        qsort(pairs, n, sizeof(*pairs), id_rule_compare);
        for (size_t i = 0; i < n; i++)
                if (i == 0 || pairs[i].id != pairs[i - 1].id)
                        n_buckets++;

        buckets = calloc(n_buckets, sizeof(*buckets));
        if (!buckets)
                return -ENOMEM;

        n_buckets = 0;
        for (size_t i = 0; i < n; i++) {
                if (i == 0 || pairs[i].id != pairs[i - 1].id)
                        buckets[n_buckets++] = (struct policy_bucket){
                                .id = pairs[i].id,
                                .start = entries_start + (uint32_t)i,
                        };
                buckets[n_buckets - 1].n++;
                entries[entries_start + i] = pairs[i].rule;
        }

        *ret = buckets;
        *ret_n = n_buckets;
        return 0;
}

/* Whether rule goes into the index slot for family; family -1 is the
 * admin slot. */
static bool rule_in_slot(const struct policy_rule *rule, int family)
{
        if (family < 0)
                return rule->admin;
        return !rule->admin && (rule->family == 0 || rule->family == family);
}

static int index_build(struct policy_index *idx, const policy *p, int family)
{
        _cleanup_free_ struct id_rule *uid_pairs = NULL, *gid_pairs = NULL;
        size_t n_uid = 0, n_gid = 0, n_other = 0;
        int r;

        for (size_t i = 0; i < p->n_rules; i++) {
                const struct policy_rule *rule = &p->rules[i];

                if (!rule_in_slot(rule, family))
                        continue;
                if (rule->has_uid)
                        n_uid++;
                else if (rule->has_gid)
                        n_gid++;
                else
                        n_other++;
        }

        uid_pairs = calloc(n_uid + 1, sizeof(*uid_pairs));
        gid_pairs = calloc(n_gid + 1, sizeof(*gid_pairs));
        idx->entries = calloc(n_uid + n_gid + 1, sizeof(*idx->entries));
        idx->other = calloc(n_other + 1, sizeof(*idx->other));
        if (!uid_pairs || !gid_pairs || !idx->entries || !idx->other)
                return -ENOMEM;

        n_uid = n_gid = 0;
        for (size_t i = 0; i < p->n_rules; i++) {
                const struct policy_rule *rule = &p->rules[i];

                if (!rule_in_slot(rule, family))
                        continue;
                if (rule->has_uid)
                        uid_pairs[n_uid++] = (struct id_rule){ rule->uid, (uint32_t)i };
                else if (rule->has_gid)
                        gid_pairs[n_gid++] = (struct id_rule){ rule->gid, (uint32_t)i };
                else
                        idx->other[idx->n_other++] = (uint32_t)i;
        }

        r = buckets_build(uid_pairs, n_uid, idx->entries, 0, &idx->uids, &idx->n_uids);
        if (r < 0)
                return r;
        return buckets_build(gid_pairs, n_gid, idx->entries, (uint32_t)n_uid,
                             &idx->gids, &idx->n_gids);
}

static void index_free(struct policy_index *index)
{
        for (size_t i = 0; i <= POLICY_N_FAMILIES; i++) {
                free(index[i].uids);
                free(index[i].gids);
                free(index[i].entries);
                free(index[i].other);
        }
        free(index);
}

/* Builds p's index; p owns it from the start, so that policy_free()
 * frees one left half built. */
static int index_init(policy *p)
{
        p->index = calloc(POLICY_N_FAMILIES + 1, sizeof(*p->index));
        if (!p->index)
                return -ENOMEM;
        p->index_free = index_free;
        for (size_t i = 0; i <= POLICY_N_FAMILIES; i++) {
                int family = i == POLICY_INDEX_ADMIN ? -1 : policy_families[i];
                int r = index_build(&p->index[i], p, family);

                if (r < 0)
                        return r;
        }
        return 0;
}

static bool cgroup_is_under(const char *path, const char *prefix)
{
        size_t n = strlen(prefix);

        if (strncmp(path, prefix, n) != 0)
                return false;
        /* "/" is the only valid prefix that ends in '/'. */
        return prefix[n - 1] == '/' || path[n] == '\0' || path[n] == '/';
}

static bool peer_in_group(const struct policy_peer *peer, gid_t gid)
{
        if (peer->gid == gid)
                return true;
        if (!peer->groups)
                return false;
        for (size_t i = 0; i < peer->n_groups; i++)
                if (peer->groups[i] == gid)
                        return true;
        return false;
}

bool policy_rule_matches_peer(const struct policy_rule *rule, const struct policy_peer *peer)
{
        /* Compiled and imported rules never combine 'everyone' with another
         * selector, and always have at least one. */
        if (rule->everyone)
                return true;
        if (rule->has_uid && peer->uid != rule->uid)
                return false;
        if (rule->has_gid && !peer_in_group(peer, rule->gid))
                return false;
        if (rule->unit && (!peer->unit || strcmp(peer->unit, rule->unit) != 0))
                return false;
        if (rule->cgroup && (!peer->cgroup || !cgroup_is_under(peer->cgroup, rule->cgroup)))
                return false;
        return rule->has_uid || rule->has_gid || rule->unit || rule->cgroup;
}

/* Lowers *best to the first rule in list that matches, if it is earlier. */
static void scan(const policy *p, const uint32_t *list, size_t n,
                 const struct policy_peer *peer, const struct policy_request *req, uint32_t *best)
{
        for (size_t i = 0; i < n && list[i] < *best; i++) {
                const struct policy_rule *rule = &p->rules[list[i]];

                if (policy_rule_matches_peer(rule, peer) && policy_rule_matches(rule, req)) {
                        *best = list[i];
                        return;
                }
        }
}

static const struct policy_bucket *bucket_find(const struct policy_bucket *b, size_t n, uint32_t id)
{
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (b[mid].id == id)
                        return &b[mid];
                if (b[mid].id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static void scan_bucket(const policy *p, const struct policy_index *idx,
                        const struct policy_bucket *buckets, size_t n, uint32_t id,
                        const struct policy_peer *peer, const struct policy_request *req,
                        uint32_t *best)
{
        const struct policy_bucket *b = bucket_find(buckets, n, id);

        if (b)
                scan(p, idx->entries + b->start, b->n, peer, req, best);
}

enum policy_verdict policy_check(const policy *p, const struct policy_peer *peer,
                                 const struct policy_request *req,
                                 const struct policy_rule **ret_rule)
{
        const struct policy_index *idx;
        const struct policy_rule *rule;
        uint32_t best = UINT32_MAX;
        int family, slot;

        if (ret_rule)
                *ret_rule = NULL;
        /* A policy without an index was imported for the opener. */
        if (!p || !p->index || !peer || !req)
                return POLICY_VERDICT_NO_MATCH;
        if (req->op == POLICY_OP_STATUS)
                slot = POLICY_INDEX_ADMIN;
        else if ((family = policy_request_family(req)) >= 0)
                slot = policy_family_index(family);
        else
                return POLICY_VERDICT_NO_MATCH;
        idx = &p->index[slot];

        scan_bucket(p, idx, idx->uids, idx->n_uids, peer->uid, peer, req, &best);
        scan_bucket(p, idx, idx->gids, idx->n_gids, peer->gid, peer, req, &best);
        if (peer->groups)
                for (size_t i = 0; i < peer->n_groups; i++)
                        scan_bucket(p, idx, idx->gids, idx->n_gids, peer->groups[i], peer, req, &best);
        scan(p, idx->other, idx->n_other, peer, req, &best);

        if (best == UINT32_MAX)
                return POLICY_VERDICT_NO_MATCH;

        rule = &p->rules[best];
        if (ret_rule)
                *ret_rule = rule;
        return rule->allow ? POLICY_VERDICT_ALLOW : POLICY_VERDICT_DENY;
}

/* systemd's unit name characters; the type suffix is not checked against
 * a list, so new unit types need no new sockbroker. */
const char *policy_unit_check(const char *s)
{
        size_t n = strlen(s);
        const char *dot;

        if (n == 0)
                return "empty";
        if (n >= POLICY_MAX_STRING)
                return "too long";
        if (strspn(s, "abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789:-_.\\@") != n)
                return "contains a character not valid in a unit name";
        dot = strrchr(s, '.');
        if (!dot || dot == s || dot[1] == '\0')
                return "has no type suffix, like .service";
        return NULL;
}

/* An absolute, normalised cgroup path: no empty, "." or ".." components
 * and no trailing '/', so a prefix match on '/' boundaries means what it
 * says. */
const char *policy_cgroup_check(const char *s)
{
        size_t n = strlen(s);

        if (s[0] != '/')
                return "does not start with '/'";
        if (n >= POLICY_MAX_STRING)
                return "too long";
        for (const char *c = s; *c; c++)
                if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
                        return "contains whitespace or a byte that is not printable ASCII";
        if (n == 1)
                return NULL;
        for (const char *c = s; *c; ) {
                size_t len;

                c++;                    /* skip the '/' */
                len = strcspn(c, "/");
                if (len == 0)
                        return "has an empty component or a trailing '/'";
                if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
                        return "has a '.' or '..' component";
                c += len;
        }
        return NULL;
}

_Static_assert(sizeof(uid_t) == sizeof(uint32_t), "uid_t is 32 bits");
_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");

/*
 * The selectors of each rule of an image the rules' importer has taken
 * (policy-image.c), which checks all but these, since the opener looks
 * only at what a rule permits: exactly one of 'everyone' and the others,
 * each set as the compiler would set it, and every field of one not set
 * zero. A rule's selectors may be set when this fails: p is then only
 * for policy_free().
 */
int policy_import_selectors(policy *p)
{
        const uint32_t selectors = POLICY_IMAGE_RULE_UID | POLICY_IMAGE_RULE_GID |
                                   POLICY_IMAGE_RULE_UNIT | POLICY_IMAGE_RULE_CGROUP;
        const uint8_t *base = p->image;
        struct policy_image_header h;
        struct policy_string_table strings;
        size_t rules_off;

        memcpy(&h, base, sizeof(h));
        rules_off = sizeof(h) + (size_t)h.n_files * sizeof(uint32_t);
        strings = (struct policy_string_table){
                .data = (const char *)base + p->image_len - h.strings_size,
                .size = h.strings_size,
        };
        for (size_t i = 0; i < p->n_rules; i++) {
                struct policy_rule *rule = &p->rules[i];
                struct policy_image_rule rec;

                memcpy(&rec, base + rules_off + i * sizeof(rec), sizeof(rec));
                if (!(rec.flags & POLICY_IMAGE_RULE_EVERYONE) == !(rec.flags & selectors))
                        return -EBADMSG;
                rule->everyone = rec.flags & POLICY_IMAGE_RULE_EVERYONE;

                rule->has_uid = rec.flags & POLICY_IMAGE_RULE_UID;
                if (rule->has_uid ? rec.uid == UINT32_MAX : rec.uid != 0)
                        return -EBADMSG;
                rule->uid = (uid_t)rec.uid;

                rule->has_gid = rec.flags & POLICY_IMAGE_RULE_GID;
                if (rule->has_gid ? rec.gid == UINT32_MAX : rec.gid != 0)
                        return -EBADMSG;
                rule->gid = (gid_t)rec.gid;

                if (rec.flags & POLICY_IMAGE_RULE_UNIT) {
                        if (policy_image_string(&strings, rec.unit, POLICY_MAX_STRING - 1,
                                                &rule->unit) < 0 ||
                            policy_unit_check(rule->unit))
                                return -EBADMSG;
                } else if (rec.unit != 0)
                        return -EBADMSG;

                if (rec.flags & POLICY_IMAGE_RULE_CGROUP) {
                        if (policy_image_string(&strings, rec.cgroup, POLICY_MAX_STRING - 1,
                                                &rule->cgroup) < 0 ||
                            policy_cgroup_check(rule->cgroup))
                                return -EBADMSG;
                } else if (rec.cgroup != 0)
                        return -EBADMSG;
        }
        return 0;
}

/* Takes p's selectors, builds its index and hands p to *ret, or frees it. */
static int index_and_return(policy *p, policy **ret)
{
        int r = policy_import_selectors(p);

        if (r >= 0)
                r = index_init(p);

        if (r < 0) {
                policy_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

int policy_import_take(void *image, size_t len, policy **ret)
{
        policy *p = NULL;
        int r;

        if (!ret) {
                free(image);
                return -EINVAL;
        }
        r = policy_import_rules_take(image, len, &p);
        return r < 0 ? r : index_and_return(p, ret);
}

int policy_import(const void *buf, size_t len, policy **ret)
{
        policy *p = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = policy_import_rules(buf, len, &p);
        return r < 0 ? r : index_and_return(p, ret);
}

/* The file table, for the broker's status and messages: the opener names
 * rules by file in its messages through the rule itself. */
size_t policy_n_files(const policy *p)
{
        return p ? p->n_files : 0;
}

const char *policy_get_file(const policy *p, size_t index)
{
        return p && index < p->n_files ? p->files[index] : NULL;
}
