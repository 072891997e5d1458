/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy-decide.h - the decision: who may do what, for the broker.
 *
 * The broker imports the image with the index the decision needs
 * (policy_import()) and decides with policy_check(), which looks at the
 * peer's identity as well as the request; it reports the policy files
 * and formats requests for its messages. None of this is the opener's:
 * it links libsbpolicy alone (policy.h), which re-checks a named rule
 * without identity. Pure, as policy.h.
 */
#pragma once

#include "policy/policy.h"

enum policy_verdict {
        POLICY_VERDICT_NO_MATCH,   /* no rule matched: deny */
        POLICY_VERDICT_ALLOW,      /* an allow rule matched */
        POLICY_VERDICT_DENY,       /* a deny rule matched */
};

/* Who asks. unit and cgroup are NULL when unknown; a rule that selects
 * on them then does not match. */
struct policy_peer {
        uid_t uid;
        gid_t gid;
        const gid_t *groups;     /* supplementary groups */
        size_t n_groups;
        const char *unit;        /* e.g. "mon.service" */
        const char *cgroup;      /* e.g. "/system.slice/mon.service" */
};

/* The flat image: little-endian-independent (host order, same host),
 * versioned, every offset and count validated by policy_import();
 * policy_export() is in policy-compile.h. */
int policy_import(const void *buf, size_t len, policy **ret);

/* The files the rules came from, in order (policy-decide.c: the broker
 * reports them; the opener does not link them). */
size_t policy_n_files(const policy *p);
const char *policy_get_file(const policy *p, size_t index);

/*
 * Decides. Uses an index by family and then identity (uid, gid, other),
 * so it does not scan every rule. *ret_rule is the deciding rule, or NULL
 * on POLICY_VERDICT_NO_MATCH.
 */
enum policy_verdict policy_check(const policy *p, const struct policy_peer *peer,
                                 const struct policy_request *req,
                                 const struct policy_rule **ret_rule);

/* True when rule's selectors (uid=, group=, unit=, cgroup=, or
 * everyone) take in peer. */
bool policy_rule_matches_peer(const struct policy_rule *rule, const struct policy_peer *peer);

/* Checks and takes the selectors of each rule of p, which
 * policy_import_rules() leaves unset: policy_import() does, and so does
 * the compiler with what it compiled. 0 or -EBADMSG. */
int policy_import_selectors(policy *p);

/* The selectors' words unit= and cgroup=, as the compiler and the
 * importer check them: NULL when s is valid, else a short reason. */
const char *policy_unit_check(const char *s);
const char *policy_cgroup_check(const char *s);

/* "packet/raw/0x88f7@eth1" style text for a request, for messages. */
int policy_request_format(const struct policy_request *req, char *buf, size_t size);
