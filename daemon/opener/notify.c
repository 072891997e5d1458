/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify.c - readiness, status and the passed socket, without libsystemd.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/opener/notify.h"

#define LISTEN_FDS_START 3

int notify_send(const char *state)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *e = getenv("NOTIFY_SOCKET");
        _cleanup_close_ int fd = -1;
        socklen_t len;
        size_t n;

        if (!e || !e[0])
                return 0;
        n = strlen(e);
        if ((e[0] != '/' && e[0] != '@') || n >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, e, n);
        if (e[0] == '@')
                sa.sun_path[0] = 0;      /* abstract */
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (e[0] == '/'));

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
                return negative_errno();
        return 1;
}

static int listen_fds_count(void)
{
        const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
        char *end;
        long p, n;

        if (!pid || !fds)
                return 0;
        errno = 0;
        p = strtol(pid, &end, 10);
        if (errno || *end || p != (long)getpid())
                return 0;
        n = strtol(fds, &end, 10);
        if (errno || *end || n < 0 || n > 64)
                return -EINVAL;
        return (int)n;
}

int notify_listen_fd(void)
{
        int n = listen_fds_count(), type = 0, listening = 0, domain = 0;
        socklen_t len = sizeof(int);

        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        if (n < 0)
                return n;
        if (n == 0)
                return -ENOENT;
        if (n > 1)
                return -E2BIG;
        if (getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
            getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
            getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
                return negative_errno();
        if (domain != AF_UNIX || type != SOCK_SEQPACKET || !listening)
                return -ENOTSOCK;
        (void)fcntl(LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
        return LISTEN_FDS_START;
}
