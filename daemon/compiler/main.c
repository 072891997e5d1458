/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main.c - sockbroker-compiler: reads and compiles the policy files for
 * the opener, without privilege.
 *
 * The opener starts it once, as the opener's own user with no capability
 * and no_new_privs, on one end of a socketpair (--fd). For each COMPILE
 * it reads the policy file and its drop-in directory with the ownership
 * checks of strict mode, resolves user and group names through the name
 * service, compiles, and answers with the image in a sealed memfd or with
 * the compiler's error. It ends when the opener hangs up.
 *
 * So the policy language's parser, the file walk and the name service's
 * modules run in a process that holds nothing: the opener, which keeps
 * capabilities, only imports images, as the broker does. The compiler's
 * input is the administrator's, not a client's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fdmsg.h"
#include "common/names.h"
#include "common/util.h"
#include "daemon/shared/compiler-proto.h"
#include "daemon/shared/log.h"
#include "daemon/shared/opener-proto.h"
#include "daemon/shared/seccomp.h"
#include "daemon/shared/test-hook.h"
#include "policy/policy-compile.h"

/* The image of p, in a memfd sealed so that neither the opener nor the
 * broker, which both map it, can be shown different bytes. */
static int image_memfd(const policy *p, int *ret_fd, uint64_t *ret_size)
{
        _cleanup_free_ void *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t len, off = 0;
        int r;

        r = policy_export(p, &buf, &len);
        if (r < 0)
                return r;
        if (len > OPENER_MAX_POLICY_IMAGE)
                return -EFBIG;
        fd = memfd_create("sockbroker-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return negative_errno();
        while (off < len) {
                ssize_t n = write(fd, (char *)buf + off, len - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                off += (size_t)n;
        }
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return negative_errno();
        *ret_fd = TAKE_FD(fd);
        *ret_size = len;
        return 0;
}

/* Fills m with the compiled policy (*ret_fd) or with why there is none. */
static void compile(const char *path, const char *dir, struct compiler_reply *m, int *ret_fd)
{
        struct policy_error err = {};
        policy *p = NULL;
        int r;

        r = policy_load_rules(path, dir, true, &policy_resolver_system, &p, &err);
        if (r < 0) {
                if (err.message[0])
                        policy_error_format(&err, m->message, sizeof(m->message));
                else
                        snprintf(m->message, sizeof(m->message), "%s: %s", path, strerror(-r));
                m->error = -r;
                return;
        }
        r = image_memfd(p, ret_fd, &m->size);
        policy_free(p);
        if (r < 0) {
                snprintf(m->message, sizeof(m->message), "cannot export the compiled policy: %s",
                         strerror(-r));
                m->error = -r;
        }
}

static int serve(int sock, const char *path, const char *dir)
{
        for (unsigned n_requests = 0;; n_requests++) {
                struct compiler_request req;
                struct compiler_reply m;
                int fd = -1, none[1];
                size_t n_fds;
                ssize_t n;

                /* Nothing comes with a request: any descriptor is closed
                 * and the message refused. */
                n = fdmsg_recv(sock, &req, sizeof(req), none, 0, &n_fds, 0);
                if (n == 0)
                        return EXIT_SUCCESS;    /* the opener is gone */
                if (n < 0)
                        return log_error_errno(EXIT_FAILURE, "receiving from the opener: %s",
                                               strerror((int)-n));
                if ((size_t)n != sizeof(req) || req.version != COMPILER_PROTO_VERSION ||
                    req.type != COMPILER_MSG_COMPILE) {
                        log_error("invalid message from the opener");
                        return EXIT_FAILURE;
                }
                /* On a reload: the first compile is the opener's start. */
                if (n_requests > 0)
                        test_hook_forbidden_syscall("compiler");

                memset(&m, 0, sizeof(m));
                m.version = COMPILER_PROTO_VERSION;
                m.type = COMPILER_MSG_IMAGE;
                compile(path, dir, &m, &fd);
                n = fdmsg_send(sock, &m, sizeof(m), &fd, fd >= 0 ? 1 : 0, 0);
                safe_close(fd);
                if (n < 0)
                        return log_error_errno(EXIT_FAILURE, "sending to the opener: %s",
                                               strerror((int)-n));
        }
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "policy-dir", required_argument, NULL, 'd' },
                { "fd", required_argument, NULL, 'f' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        const char *path = POLICY_DEFAULT_PATH, *dir = POLICY_DEFAULT_DROPIN_DIR;
        int sock = -1, type = 0, c, r;
        socklen_t len = sizeof(type);
        uint64_t v;

        log_init("sockbrokerd[compiler]");
        while ((c = getopt_long(argc, argv, "p:d:", longopts, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        path = optarg;
                        break;
                case 'd':
                        dir = optarg;
                        break;
                case 'f':
                        if (names_parse_uint(optarg, INT32_MAX, &v) < 0 || v < 3) {
                                log_error("--fd: '%s' is not a descriptor above 2", optarg);
                                return 2;
                        }
                        sock = (int)v;
                        break;
                case 'V':
                        printf("sockbroker-compiler %s\n", PACKAGE_VERSION);
                        return EXIT_SUCCESS;
                default:
                        return 2;
                }
        }
        if (optind < argc || sock < 0) {
                fprintf(stderr, "Usage: sockbroker-compiler --fd=N [-p FILE] [-d DIR]\n"
                        "Run by sockbroker-opener, on its end of a socketpair.\n");
                return 2;
        }
        if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET) {
                log_error("--fd=%d is not a SOCK_SEQPACKET socket", sock);
                return EXIT_FAILURE;
        }
        if (fcntl(sock, F_SETFD, FD_CLOEXEC) < 0)
                return log_error_errno(EXIT_FAILURE, "--fd=%d: %m", sock);
        /* The opener starts it as its own user; as root it would read
         * the files with privilege it does not need. */
        if (getuid() == 0 || geteuid() == 0) {
                log_error("refusing to compile the policy as root");
                return EXIT_FAILURE;
        }
        r = seccomp_lock(&seccomp_filter_compiler);
        if (r < 0)
                return log_error_errno(EXIT_FAILURE, "cannot load the seccomp filter: %s",
                                       strerror(-r));
        return serve(sock, path, dir);
}
