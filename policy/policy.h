/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.h - the sockbroker policy: parse, compile, export, import and
 * evaluate.
 *
 * The privileged opener parses and compiles the policy text
 * (policy_compile(), or policy_load() which reads the files), exports the
 * compiled form as one flat, self-contained image (policy_export()) and
 * sends it to the unprivileged broker, which only ever imports it
 * (policy_import()). Both sides then evaluate the same struct policy:
 * the broker decides with policy_check(); the opener re-checks each
 * request against the rule the broker named with policy_rule_permits(),
 * which ignores identity, so a compromised broker can obtain no socket
 * that no allow rule describes.
 *
 * Everything here except policy-file.c is pure: no I/O, no logging. Name
 * resolution (users, groups) goes through a caller-supplied resolver so
 * tests can run without /etc/passwd.
 *
 * Errors are negative errno values. Parse errors additionally fill a
 * struct policy_error with "file:line:col: message".
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

enum policy_verdict {
        POLICY_VERDICT_NO_MATCH,   /* no rule matched: deny */
        POLICY_VERDICT_ALLOW,      /* an allow rule matched */
        POLICY_VERDICT_DENY,       /* a deny rule matched */
};

/* One source text, for policy_compile(). name is used in error messages
 * and recorded as the rules' file. */
struct policy_source {
        const char *name;
        const char *text;
        size_t len;
};

/* Name lookups for user= and group=. Return 0 and set *ret, or -ENOENT. */
struct policy_resolver {
        int (*user)(const char *name, uid_t *ret, void *userdata);
        int (*group)(const char *name, gid_t *ret, void *userdata);
        void *userdata;
};

/* The resolver that uses getpwnam_r()/getgrnam_r(). */
extern const struct policy_resolver policy_resolver_system;

struct policy_error {
        char file[256];
        unsigned line;           /* 1-based; 0 when not about a line */
        unsigned col;            /* 1-based; 0 when not about a column */
        char message[256];
};

/* Formats "file:line:col: message" (or less when line/col are 0). */
int policy_error_format(const struct policy_error *e, char *buf, size_t size);

/* What a peer asks for, in kernel terms. */
struct policy_request {
        int family;              /* AF_INET, AF_INET6, AF_PACKET, ... */
        int type;                /* SOCK_RAW, SOCK_DGRAM, ... (no flags) */
        uint32_t protocol;       /* host order; EtherType for AF_PACKET */
        const char *ifname;      /* requested interface, NULL for none */
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

        /* What it covers. 0 means any. */
        int family;
        int type;
        uint32_t n_protocols;    /* 0: any protocol */
        uint32_t protocols[POLICY_MAX_LIST];
        uint32_t n_ifaces;       /* 0: no interface constraint */
        const char *ifaces[POLICY_MAX_LIST]; /* fnmatch(3) globs */
};

/* Parses and compiles the sources, in order. On a parse error returns
 * -EINVAL and fills *err (if not NULL). */
int policy_compile(const struct policy_source *sources, size_t n_sources,
                   const struct policy_resolver *resolver,
                   policy **ret, struct policy_error *err);

/*
 * Reads path and then dropin_dir/\*.conf in lexical order (dropin_dir may
 * be NULL or missing) and compiles them. Refuses, with a message in *err,
 * any file or directory that is not owned by root or is writable by group
 * or others, unless strict is false (for tests and `sockbroker check` on a
 * scratch file). This is the only function here that does I/O.
 */
int policy_load(const char *path, const char *dropin_dir, bool strict,
                const struct policy_resolver *resolver,
                policy **ret, struct policy_error *err);

policy *policy_free(policy *p);

/* The flat image: little-endian-independent (host order, same host),
 * versioned, every offset and count validated by policy_import(). */
int policy_export(const policy *p, void **ret_buf, size_t *ret_len);
int policy_import(const void *buf, size_t len, policy **ret);

size_t policy_n_rules(const policy *p);
const struct policy_rule *policy_get_rule(const policy *p, size_t index);
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

/* True when rule is an allow rule whose family, type, protocol and
 * interface constraints cover req. Identity is not looked at. */
bool policy_rule_permits(const struct policy_rule *rule, const struct policy_request *req);

/* The Linux capabilities (CAP_* bit numbers as a mask, 1ULL << CAP_X)
 * the opener needs to serve every allow rule. */
uint64_t policy_capabilities(const policy *p);

/* "packet/raw/0x88f7@eth1" style text for a request, for messages. */
int policy_request_format(const struct policy_request *req, char *buf, size_t size);
