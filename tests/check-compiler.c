/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-compiler.c - the opener's side of sockbroker-compiler
 * (daemon/opener/compiler.c): what compiler_load() takes from the
 * compiler and what it refuses, with the compiler played by the test on
 * the other end of a socketpair; and the wire, pinned.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/opener/compiler.h"
#include "daemon/shared/compiler-proto.h"
#include "policy/policy-compile.h"
#include "tests/check-suites.h"

static const char policy_text[] =
        "allow uid=65534 inet raw proto=icmp\n"
        "allow gid=100 packet raw proto=all iface=lo\n";

/* What the test's compiler attaches to its answer. */
enum attach {
        ATTACH_NONE,
        ATTACH_IMAGE,            /* the image, sealed */
        ATTACH_UNSEALED,         /* the image, not sealed against writes */
        ATTACH_SHORT,            /* sealed, one byte shorter than the answer says */
        ATTACH_GARBAGE,          /* sealed, the right size, not an image */
        ATTACH_TWO,              /* the image twice */
};

struct answer_case {
        const char *name;
        size_t len;              /* bytes sent; 0 for a whole struct compiler_reply */
        uint32_t version, type, reserved;
        int32_t error;
        bool unterminated;       /* message[] without a NUL */
        enum attach attach;
        int r;                   /* compiler_load()'s return */
        bool lost;
};

static const struct answer_case answer_cases[] = {
        { "an image", 0, 1, 2, 0, 0, false, ATTACH_IMAGE, 0, false },
        { "a compile error", 0, 1, 2, 0, EINVAL, false, ATTACH_NONE, -EINVAL, false },
        { "an image that is not sealed", 0, 1, 2, 0, 0, false, ATTACH_UNSEALED, -EPERM, false },
        { "an image shorter than said", 0, 1, 2, 0, 0, false, ATTACH_SHORT, -EBADMSG, false },
        { "bytes that are no image", 0, 1, 2, 0, 0, false, ATTACH_GARBAGE, -EBADMSG, false },
        { "success without a descriptor", 0, 1, 2, 0, 0, false, ATTACH_NONE, -EBADMSG, true },
        { "an error with a descriptor", 0, 1, 2, 0, ENOENT, false, ATTACH_IMAGE, -EBADMSG, true },
        { "two descriptors", 0, 1, 2, 0, 0, false, ATTACH_TWO, -EBADMSG, true },
        { "another version", 0, 2, 2, 0, 0, false, ATTACH_IMAGE, -EBADMSG, true },
        { "another type", 0, 1, 1, 0, 0, false, ATTACH_IMAGE, -EBADMSG, true },
        { "reserved not zero", 0, 1, 2, 1, 0, false, ATTACH_IMAGE, -EBADMSG, true },
        { "a negative error", 0, 1, 2, 0, -1, false, ATTACH_NONE, -EBADMSG, true },
        { "an error past errno's range", 0, 1, 2, 0, 4096, false, ATTACH_NONE, -EBADMSG, true },
        { "a message without its NUL", 0, 1, 2, 0, EINVAL, true, ATTACH_NONE, -EBADMSG, true },
        { "one byte short", sizeof(struct compiler_reply) - 1, 1, 2, 0, 0, false, ATTACH_IMAGE,
          -EBADMSG, true },
        { "a bare header", 8, 1, 2, 0, 0, false, ATTACH_NONE, -EBADMSG, true },
};

static void image_of(const char *text, void **ret_buf, size_t *ret_len)
{
        struct policy_source src = { .name = "check.conf", .text = text, .len = strlen(text) };
        struct policy_resolver none = {};
        struct policy_error err = {};
        policy *p = NULL;

        ck_assert_int_eq(policy_compile(&src, 1, &none, &p, &err), 0);
        ck_assert_int_eq(policy_export(p, ret_buf, ret_len), 0);
        policy_free(p);
}

static int memfd_of(const void *buf, size_t len, bool seal)
{
        int fd = memfd_create("check-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
        if (seal)
                ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE), 0);
        return fd;
}

static unsigned fds_open(void)
{
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

START_TEST(test_compiler_answer)
{
        const struct answer_case *c = &answer_cases[_i];
        struct compiler_reply m;
        struct compiler_request req;
        char why[512] = "";
        void *image;
        size_t len, n_fds = 0;
        int pair[2], fds[2], got_fd = -1, none[1];
        uint64_t got_size = 0;
        policy *p = NULL;
        unsigned before;
        bool lost = false;
        int r;

        image_of(policy_text, &image, &len);
        before = fds_open();
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);

        memset(&m, 0, sizeof(m));
        m.version = c->version;
        m.type = c->type;
        m.reserved = c->reserved;
        m.error = c->error;
        m.size = len;
        if (c->error)
                snprintf(m.message, sizeof(m.message), "check.conf:2:7: unknown word");
        if (c->unterminated)
                memset(m.message, 'x', sizeof(m.message));
        switch (c->attach) {
        case ATTACH_NONE:
                break;
        case ATTACH_IMAGE:
                fds[n_fds++] = memfd_of(image, len, true);
                break;
        case ATTACH_UNSEALED:
                fds[n_fds++] = memfd_of(image, len, false);
                break;
        case ATTACH_SHORT:
                fds[n_fds++] = memfd_of(image, len - 1, true);
                break;
        case ATTACH_GARBAGE:
                memset(image, 0x5a, len);
                fds[n_fds++] = memfd_of(image, len, true);
                break;
        case ATTACH_TWO:
                fds[n_fds++] = memfd_of(image, len, true);
                fds[n_fds++] = memfd_of(image, len, true);
                break;
        }
        /* The answer waits in the socket before the request is made. */
        ck_assert_int_ge(fdmsg_send(pair[1], &m, c->len ? c->len : sizeof(m), fds, n_fds, 0), 0);
        fdmsg_close_all(fds, n_fds);

        r = compiler_load(pair[0], &p, &got_fd, &got_size, why, sizeof(why), &lost);
        ck_assert_msg(r == c->r, "%s: %d (%s), not %d", c->name, r, why, c->r);
        ck_assert_msg(lost == c->lost, "%s: lost %d", c->name, lost);
        if (r == 0) {
                ck_assert_ptr_nonnull(p);
                ck_assert_uint_eq(policy_n_rules(p), 2);
                ck_assert_uint_eq(got_size, len);
                ck_assert_int_eq(fcntl(got_fd, F_GET_SEALS) & F_SEAL_WRITE, F_SEAL_WRITE);
                policy_free(p);
                safe_close(got_fd);
        } else {
                ck_assert_ptr_null(p);
                ck_assert_msg(why[0] != '\0', "%s: no reason given", c->name);
        }
        if (c->error && !c->lost)
                ck_assert_str_eq(why, "check.conf:2:7: unknown word");

        /* The request the opener made: one COMPILE, exactly. */
        ck_assert_int_eq(fdmsg_recv(pair[1], &req, sizeof(req), none, 0, &n_fds, MSG_DONTWAIT),
                         (ssize_t)sizeof(req));
        ck_assert_uint_eq(req.version, COMPILER_PROTO_VERSION);
        ck_assert_uint_eq(req.type, COMPILER_MSG_COMPILE);

        safe_close(pair[0]);
        safe_close(pair[1]);
        ck_assert_msg(fds_open() == before, "%s: %u descriptors open, %u before", c->name,
                      fds_open(), before);
        free(image);
}
END_TEST

/* A compiler that has gone, and one there never was. */
START_TEST(test_compiler_gone)
{
        char why[512] = "";
        int pair[2], fd = -1;
        uint64_t size = 0;
        policy *p = NULL;
        bool lost = false;

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
        safe_close(pair[1]);
        ck_assert_int_eq(compiler_load(pair[0], &p, &fd, &size, why, sizeof(why), &lost), -EPIPE);
        ck_assert(lost);
        ck_assert_str_eq(why, "the policy compiler exited");
        safe_close(pair[0]);

        lost = false;
        ck_assert_int_eq(compiler_load(-1, &p, &fd, &size, why, sizeof(why), &lost), -ESRCH);
        ck_assert(lost);
        ck_assert_str_eq(why, "the policy compiler is not running");
        ck_assert_ptr_null(p);
        ck_assert_int_eq(fd, -1);
}
END_TEST

/* The wire between an opener and its compiler. A change here is a change
 * of COMPILER_PROTO_VERSION. */
START_TEST(test_compiler_wire_pinned)
{
        ck_assert_uint_eq(COMPILER_PROTO_VERSION, 1);
        ck_assert_uint_eq(COMPILER_MSG_COMPILE, 1);
        ck_assert_uint_eq(COMPILER_MSG_IMAGE, 2);
        ck_assert_uint_eq(sizeof(struct compiler_request), 8);
        ck_assert_uint_eq(sizeof(struct compiler_reply), 536);
        ck_assert_uint_eq(offsetof(struct compiler_reply, error), 8);
        ck_assert_uint_eq(offsetof(struct compiler_reply, size), 16);
        ck_assert_uint_eq(offsetof(struct compiler_reply, message), 24);
}
END_TEST

Suite *make_compiler_suite(void)
{
        Suite *s = suite_create("compiler");
        TCase *tc = tcase_create("answers");

        tcase_add_loop_test(tc, test_compiler_answer, 0, (int)ELEMENTSOF(answer_cases));
        tcase_add_test(tc, test_compiler_gone);
        tcase_add_test(tc, test_compiler_wire_pinned);
        suite_add_tcase(s, tc);
        return s;
}
