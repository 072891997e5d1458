/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compiler.c - the opener's side of sockbroker-compiler: starting it
 * with nothing the opener holds, and asking it for the policy.
 *
 * The compiler is started once, while the opener is still single-threaded
 * and has not yet locked its seccomp filter, which allows neither fork
 * nor execve. It is the executable beside the opener's own, so a build
 * tree's opener runs the build tree's compiler; the child opens it with
 * the opener's credentials and executes it by descriptor. It becomes the
 * opener's user with no capability in any set and no_new_privs, keeps
 * only its end of the socketpair (as descriptor 3), and gets an
 * environment of the few variables it reads.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fdmsg.h"
#include "common/util.h"
#include "daemon/opener/compiler.h"
#include "daemon/shared/privileges.h"
#include "daemon/shared/child-env.h"
#include "daemon/shared/compiler-proto.h"
#include "daemon/shared/log.h"
#include "daemon/shared/policy-memfd.h"

/* sockbroker-compiler in the directory of the running executable. */
static int compiler_path(char *buf, size_t size)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *slash;

        if (n < 0)
                return negative_errno();
        self[n] = '\0';
        slash = strrchr(self, '/');
        if (!slash || slash == self)
                return -ENOENT;
        *slash = '\0';
        if ((size_t)snprintf(buf, size, "%s/sockbroker-compiler", self) >= size)
                return -ENAMETOOLONG;
        return 0;
}

__attribute__((noreturn))
static void child_fail(const char *path, const char *what)
{
        log_error("cannot start %s: %s: %m", path, what);
        _exit(127);
}

__attribute__((noreturn))
static void child_exec(const char *path, int sock, const struct opener_config *config)
{
        char *env[CHILD_ENV_MAX];
        int exe, r;
        char *argv[] = {
                (char *)"sockbroker-compiler", (char *)"--fd=3",
                (char *)"-p", (char *)config->policy_path,
                (char *)"-d", (char *)config->policy_dir, NULL,
        };

        /* The opener is single-threaded here, so the child may allocate. */
        if (child_env(env, NULL, 0) < 0)
                child_fail(path, "its environment");
        signal(SIGCHLD, SIG_DFL);
        if (sock == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(sock, 3) < 0)
                child_fail(path, "its socket");
        if (close_range(4, ~0U, 0) < 0)
                child_fail(path, "closing the opener's descriptors");
        /* Opened with the opener's credentials, so that a directory only
         * they can search (a build tree in a 0700 directory) is no
         * obstacle; executed, by this descriptor, as the opener's user. */
        exe = open(path, O_PATH | O_CLOEXEC);
        if (exe < 0)
                child_fail(path, "open");
        /* The opener's user, no capability in any set, the bounding set
         * included, and no_new_privs. */
        r = privileges_drop(0, config->uid, config->gid);
        if (r < 0) {
                errno = -r;
                child_fail(path, "dropping to the opener's user and no capability");
        }
        fexecve(exe, argv, env);
        child_fail(path, "execute");
}

int compiler_start(const struct opener_config *config, int *ret_sock)
{
        char path[PATH_MAX];
        int pair[2], r;
        pid_t pid;

        r = compiler_path(path, sizeof(path));
        if (r < 0)
                return r;
        if (access(path, X_OK) < 0)
                return negative_errno();
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return negative_errno();
        /* The opener reaps nothing: the compiler is its only child. */
        signal(SIGCHLD, SIG_IGN);
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                safe_close(pair[0]);
                safe_close(pair[1]);
                return r;
        }
        if (pid == 0)
                child_exec(path, pair[1], config);
        safe_close(pair[1]);
        *ret_sock = pair[0];
        return 0;
}

/* Waits up to COMPILER_TIMEOUT_MS for the reply; 0, or -ETIMEDOUT. */
static int reply_wait(int sock)
{
        struct pollfd p = { .fd = sock, .events = POLLIN };
        int n;

        do
                n = poll(&p, 1, COMPILER_TIMEOUT_MS);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        return n == 0 ? -ETIMEDOUT : 0;
}

int compiler_load(int sock, policy **ret, int *ret_fd, uint64_t *ret_size,
                  char *why, size_t size, bool *ret_lost)
{
        struct compiler_request req = { COMPILER_PROTO_VERSION, COMPILER_MSG_COMPILE };
        struct compiler_reply m;
        int fds[1];
        size_t n_fds;
        ssize_t n;
        int r;

        *ret_lost = true;
        if (sock < 0) {
                snprintf(why, size, "the policy compiler is not running");
                return -ESRCH;
        }
        n = fdmsg_send(sock, &req, sizeof(req), NULL, 0, 0);
        if (n >= 0)
                n = reply_wait(sock);
        if (n >= 0)
                n = fdmsg_recv(sock, &m, sizeof(m), fds, 1, &n_fds, 0);
        if (n == 0 || n == -EPIPE || n == -ECONNRESET) {
                snprintf(why, size, "the policy compiler exited");
                return -EPIPE;
        }
        if (n < 0) {
                snprintf(why, size, "no answer from the policy compiler: %s", strerror((int)-n));
                return (int)n;
        }
        if ((size_t)n != sizeof(m) || m.version != COMPILER_PROTO_VERSION ||
            m.type != COMPILER_MSG_IMAGE || m.reserved != 0 ||
            memchr(m.message, '\0', sizeof(m.message)) == NULL ||
            m.error < 0 || m.error >= 4096 || n_fds != (m.error == 0 ? 1u : 0u)) {
                fdmsg_close_all(fds, n_fds);
                snprintf(why, size, "invalid answer from the policy compiler");
                return -EBADMSG;
        }

        *ret_lost = false;
        if (m.error != 0) {
                snprintf(why, size, "%s", m.message[0] ? m.message : strerror(m.error));
                return -m.error;
        }
        /* The opener re-checks the rules the broker names and decides
         * nothing itself: no index. */
        r = policy_memfd_import(fds[0], m.size, policy_import_rules, ret);
        if (r < 0) {
                safe_close(fds[0]);
                snprintf(why, size, "cannot import the compiled policy: %s", strerror(-r));
                return r;
        }
        *ret_fd = fds[0];
        *ret_size = m.size;
        return 0;
}
