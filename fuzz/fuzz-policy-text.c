/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-policy-text.c - policy_compile(), the parser and compiler of the
 * policy language that the privileged opener runs on the policy files.
 *
 * The input is one policy file. Names resolve through a fixed table
 * (root 0, nobody 65534, users 100, as users and as groups) so that the
 * result does not depend on the host's /etc. A refused text must come
 * with a message that formats. An accepted one is exported and imported
 * again, as the broker does: the importer re-applies the compiler's rules
 * to the image, so it must accept whatever the compiler produced, and
 * export it again byte for byte.
 */
#include "config.h"

#include <errno.h>

#include "fuzz/fuzz.h"
#include "policy/policy-compile.h"

static const struct {
        const char *name;
        uint32_t id;
} fuzz_names[] = {
        { "root", 0 },
        { "nobody", 65534 },
        { "users", 100 },
};

static int fuzz_lookup(const char *name, uint32_t *ret)
{
        for (size_t i = 0; i < sizeof(fuzz_names) / sizeof(fuzz_names[0]); i++)
                if (strcmp(name, fuzz_names[i].name) == 0) {
                        *ret = fuzz_names[i].id;
                        return 0;
                }
        return -ENOENT;
}

static int fuzz_user(const char *name, uid_t *ret, void *userdata)
{
        return fuzz_lookup(name, ret);
}

static int fuzz_group(const char *name, gid_t *ret, void *userdata)
{
        return fuzz_lookup(name, ret);
}

static const struct policy_resolver fuzz_resolver = {
        .user = fuzz_user,
        .group = fuzz_group,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct policy_source src = {
                .name = "fuzz.conf",
                .text = (const char *)data,
                .len = size,
        };
        struct policy_error err = {};
        policy *p = NULL, *q = NULL;
        void *image = NULL, *image2 = NULL;
        size_t image_len = 0, image2_len = 0;
        char msg[1024];
        int r;

        r = policy_compile(&src, 1, &fuzz_resolver, &p, &err);
        if (r < 0) {
                FUZZ_ASSERT(!p, "refused with %d but returned a policy", r);
                if (r == -EINVAL) {
                        FUZZ_ASSERT(err.message[0] != '\0', "parse error without a message");
                        r = policy_error_format(&err, msg, sizeof(msg));
                        FUZZ_ASSERT(r == 0, "error message does not format: %d", r);
                }
                return 0;
        }

        r = policy_export(p, &image, &image_len);
        FUZZ_ASSERT(r == 0, "export failed: %d", r);
        r = policy_import(image, image_len, &q);
        FUZZ_ASSERT(r == 0, "the importer refuses what the compiler made: %d", r);
        FUZZ_ASSERT(policy_n_rules(q) == policy_n_rules(p), "%zu rules imported, %zu compiled",
                    policy_n_rules(q), policy_n_rules(p));
        FUZZ_ASSERT(policy_capabilities(q) == policy_capabilities(p), "capabilities differ");
        r = policy_export(q, &image2, &image2_len);
        FUZZ_ASSERT(r == 0, "second export failed: %d", r);
        FUZZ_ASSERT(image2_len == image_len && memcmp(image, image2, image_len) == 0,
                    "image changed on import");

        free(image2);
        free(image);
        policy_free(q);
        policy_free(p);
        return 0;
}
