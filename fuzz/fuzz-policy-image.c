/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-policy-image.c - policy_import(), where the unprivileged broker
 * takes the compiled policy the opener sent, and policy_check() on what
 * it imported.
 *
 * The broker must survive any image: one that policy_import() accepts is
 * then trusted by the index and the evaluator, so a gap in validation
 * shows up there, not in the importer. For an accepted image this checks
 * that
 *   - export gives back exactly the input (one policy, one image);
 *   - policy_check(), which searches an index, picks the same rule as a
 *     plain first-match scan over the rules, for peers and requests made
 *     from the rules themselves (so that they do match) and a few fixed
 *     ones (so that they do not);
 *   - an ALLOW verdict's rule is one policy_rule_permits() agrees with,
 *     since the opener re-checks with that function;
 *   - the opener's import, policy_import_rules(), refuses what
 *     policy_import() refuses but for the rules' selectors, which it
 *     leaves unset, and takes the same rules, down to the capabilities
 *     they need.
 * The reference scan uses policy_rule_permits() on an allow copy of each
 * rule for the request side, and the selector semantics of
 * sockbroker.policy(5) for the peer side.
 */
#include "config.h"

#include <net/if.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "fuzz/fuzz.h"
#include "policy/policy-compile.h"

/* Peers and requests made from the first rules; the rest only take part
 * in the scans. Keeps a large image from being quadratic. */
#define PROBE_RULES 8u
#define N_PEERS (PROBE_RULES + 2u)
#define N_REQUESTS (PROBE_RULES + 4u)

static bool ref_cgroup_under(const char *path, const char *prefix)
{
        size_t n = strlen(prefix);

        if (strcmp(prefix, "/") == 0)
                return path[0] == '/';
        return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool ref_matches_peer(const struct policy_rule *rule, const struct policy_peer *peer)
{
        bool in_group = false;

        if (rule->everyone)
                return true;
        if (!rule->has_uid && !rule->has_gid && !rule->unit && !rule->cgroup)
                return false;
        if (rule->has_uid && rule->uid != peer->uid)
                return false;
        if (rule->has_gid) {
                in_group = peer->gid == rule->gid;
                for (size_t i = 0; i < peer->n_groups && !in_group; i++)
                        in_group = peer->groups[i] == rule->gid;
                if (!in_group)
                        return false;
        }
        if (rule->unit && (!peer->unit || strcmp(rule->unit, peer->unit) != 0))
                return false;
        if (rule->cgroup && (!peer->cgroup || !ref_cgroup_under(peer->cgroup, rule->cgroup)))
                return false;
        return true;
}

/* Deny rules match on fewer words than allow rules; the index must agree
 * with a plain scan of the matcher either way. */
static bool ref_covers(const struct policy_rule *rule, const struct policy_request *req)
{
        return policy_rule_matches(rule, req);
}

static void check_one(const policy *p, const struct policy_peer *peer,
                      const struct policy_request *req)
{
        const struct policy_rule *got = NULL, *want = NULL;
        enum policy_verdict v;
        char text[128];

        for (size_t i = 0; i < policy_n_rules(p) && !want; i++) {
                const struct policy_rule *rule = policy_get_rule(p, i);

                if (ref_matches_peer(rule, peer) && ref_covers(rule, req))
                        want = rule;
        }

        (void)policy_request_format(req, text, sizeof(text));
        v = policy_check(p, peer, req, &got);
        FUZZ_ASSERT(got == want, "%s for uid %u: rule %d, a first-match scan finds rule %d",
                    text, (unsigned)peer->uid, got ? (int)got->index : -1,
                    want ? (int)want->index : -1);
        switch (v) {
        case POLICY_VERDICT_NO_MATCH:
                FUZZ_ASSERT(!got, "no match, but a rule");
                break;
        case POLICY_VERDICT_ALLOW:
                FUZZ_ASSERT(got && got->allow, "allowed by a deny rule");
                FUZZ_ASSERT(policy_rule_permits(got, req), "%s: allowed by rule %u, which does not permit it",
                            text, got->index);
                break;
        case POLICY_VERDICT_DENY:
                FUZZ_ASSERT(got && !got->allow, "denied by an allow rule");
                break;
        }
}

/* What the opener imported of the image against what the broker did:
 * every word that says what a rule permits. */
static void check_rules_import(const policy *p, const policy *q)
{
        FUZZ_ASSERT(policy_n_rules(q) == policy_n_rules(p), "the opener imported %zu rules of %zu",
                    policy_n_rules(q), policy_n_rules(p));
        FUZZ_ASSERT(policy_capabilities(q) == policy_capabilities(p),
                    "the opener's import needs other capabilities");
        for (size_t i = 0; i < policy_n_rules(p); i++) {
                const struct policy_rule *a = policy_get_rule(p, i), *b = policy_get_rule(q, i);

                FUZZ_ASSERT(a->allow == b->allow && a->family == b->family && a->type == b->type &&
                            a->admin == b->admin && a->netns == b->netns &&
                            a->line == b->line && strcmp(a->file, b->file) == 0 &&
                            a->n_protocols == b->n_protocols && a->n_ifaces == b->n_ifaces &&
                            a->n_ports == b->n_ports && a->sockopts == b->sockopts &&
                            a->link_ops == b->link_ops && a->n_bitrates == b->n_bitrates &&
                            a->n_rx == b->n_rx && a->n_tx == b->n_tx && a->n_addrs == b->n_addrs &&
                            a->n_pgns == b->n_pgns && a->n_names == b->n_names &&
                            a->can_fd == b->can_fd && a->n_devs == b->n_devs &&
                            a->n_channels == b->n_channels && a->hci_channels == b->hci_channels &&
                            a->n_events == b->n_events && a->n_commands == b->n_commands,
                            "rule %zu differs in the opener's import", i);
                FUZZ_ASSERT(!b->everyone && !b->has_uid && !b->has_gid && !b->unit && !b->cgroup,
                            "the opener's import set the selectors of rule %zu", i);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const gid_t no_groups[1] = { 0 };
        struct policy_peer peers[N_PEERS];
        struct policy_request reqs[N_REQUESTS];
        gid_t groups[N_PEERS][2];
        size_t n_peers = 0, n_reqs = 0, n_probe;
        policy *p = NULL, *q = NULL;
        void *image = NULL;
        size_t image_len = 0;
        int r, r_rules;

        r = policy_import(data, size, &p);
        r_rules = policy_import_rules(data, size, &q);
        FUZZ_ASSERT(r_rules < 0 || r_rules == 0, "the opener's import returned %d", r_rules);
        if (r < 0) {
                FUZZ_ASSERT(!p, "refused with %d but returned a policy", r);
                /* Taken by the opener only when the selectors were bad. */
                if (r_rules == 0)
                        FUZZ_ASSERT(policy_import_selectors(q) == r,
                                    "the opener took an image the broker refused with %d", r);
                policy_free(q);
                return 0;
        }
        FUZZ_ASSERT(r_rules == 0, "the opener refused with %d an image the broker took", r_rules);
        check_rules_import(p, q);
        policy_free(q);

        r = policy_export(p, &image, &image_len);
        FUZZ_ASSERT(r == 0, "export of an imported policy failed: %d", r);
        FUZZ_ASSERT(image_len == size && memcmp(image, data, size) == 0,
                    "export differs from the imported image");
        free(image);

        for (size_t i = 0; i < policy_n_rules(p); i++)
                FUZZ_ASSERT(policy_get_rule(p, i)->index == i, "rule %zu has index %u", i,
                            policy_get_rule(p, i)->index);
        for (size_t i = 0; i < policy_n_files(p); i++)
                FUZZ_ASSERT(policy_get_file(p, i), "file %zu has no name", i);
        (void)policy_capabilities(p);

        /* Who and what the rules talk about, so that they match... */
        n_probe = policy_n_rules(p) < PROBE_RULES ? policy_n_rules(p) : PROBE_RULES;
        for (size_t i = 0; i < n_probe; i++) {
                const struct policy_rule *rule = policy_get_rule(p, i);

                groups[n_peers][0] = rule->has_gid ? rule->gid : 4243;
                groups[n_peers][1] = 0;
                peers[n_peers] = (struct policy_peer){
                        .uid = rule->has_uid ? rule->uid : 4242,
                        .gid = 4242,
                        .groups = groups[n_peers],
                        .n_groups = 2,
                        .unit = rule->unit,
                        .cgroup = rule->cgroup,
                };
                n_peers++;

                reqs[n_reqs++] = (struct policy_request){
                        .family = rule->family ? rule->family : AF_INET,
                        .type = rule->type ? rule->type : SOCK_RAW,
                        .protocol = rule->n_protocols > 0 ? rule->protocols[0] : 0,
                        .ifname = rule->n_ifaces > 0 ? rule->ifaces[0] : NULL,
                };
        }

        /* ... and some that mostly do not. */
        peers[n_peers++] = (struct policy_peer){ .uid = 0, .gid = 0, .groups = no_groups, .n_groups = 0 };
        peers[n_peers++] = (struct policy_peer){
                .uid = 65534, .gid = 65534,
                .unit = "x.service", .cgroup = "/system.slice/x.service",
        };
        reqs[n_reqs++] = (struct policy_request){ .family = AF_INET, .type = SOCK_RAW, .protocol = 1, .ifname = "eth0" };
        reqs[n_reqs++] = (struct policy_request){ .family = AF_PACKET, .type = SOCK_RAW, .protocol = 3, .ifname = NULL };
        reqs[n_reqs++] = (struct policy_request){ .family = AF_UNIX, .type = SOCK_STREAM, .protocol = 0, .ifname = NULL };
        reqs[n_reqs++] = (struct policy_request){ .family = AF_INET6, .type = SOCK_RAW | SOCK_CLOEXEC, .protocol = 58, .ifname = "eth0" };

        for (size_t i = 0; i < n_peers; i++)
                for (size_t j = 0; j < n_reqs; j++)
                        check_one(p, &peers[i], &reqs[j]);

        policy_free(p);
        return 0;
}
