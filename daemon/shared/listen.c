/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * listen.c - a listening socket made at a path, safely.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/shared/listen.h"
#include "daemon/shared/log.h"

/*
 * The directory of a socket path, opened and checked: it must be owned by
 * root (or by the user this process runs as, for a broker started as its
 * own user) and writable by no one else, or whoever could write there
 * could put something else at the path between our unlink(), bind() and
 * the ownership that follows. A missing last component is created 0755.
 */
static int socket_dir_open(const char *path, char **ret_name, int *ret_fd)
{
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int fd = -1;
        struct stat st;
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        *slash = 0;
        if (dir[0] && mkdir(dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(negative_errno(), "mkdir %s: %m", dir);
        fd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(negative_errno(), "%s: %m", dir[0] ? dir : "/");
        if (fstat(fd, &st) < 0)
                return log_error_errno(negative_errno(), "stat %s: %m", dir);
        if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return log_error_errno(-EPERM, "refusing to create a socket in %s: it must be owned "
                                       "by root or uid %u and writable by no one else (owner %u, "
                                       "mode %04o)", dir[0] ? dir : "/", (unsigned)geteuid(),
                                       (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        *ret_name = strdup(slash + 1);
        if (!*ret_name)
                return -ENOMEM;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int listen_socket_at(const char *path, mode_t mode, gid_t group, bool nonblock, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1, dirfd = -1;
        _cleanup_free_ char *name = NULL;
        struct stat st;
        mode_t mask;
        int n, r;

        r = socket_dir_open(path, &name, &dirfd);
        if (r < 0)
                return r;
        /* bind() takes a path, not a directory descriptor: through
         * /proc/self/fd the path names the directory that was checked,
         * whatever happens to the names above it. */
        n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
        if (n < 0 || (size_t)n >= sizeof(sa.sun_path) || access("/proc/self/fd", F_OK) < 0)
                strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
        if (fd < 0)
                return log_error_errno(negative_errno(), "socket: %m");
        /* A stale socket from an earlier run: only a socket may be
         * replaced, and only root can have put anything here. */
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (!S_ISSOCK(st.st_mode))
                        return log_error_errno(-EEXIST, "%s exists and is not a socket", path);
                if (unlinkat(dirfd, name, 0) < 0)
                        return log_error_errno(negative_errno(), "unlink %s: %m", path);
        }
        mask = umask(~mode & 0777);
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        (void)umask(mask);
        if (r < 0)
                return log_error_errno(negative_errno(), "bind %s: %m", path);
        if (group != (gid_t)-1 && fchownat(dirfd, name, 0, group, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(negative_errno(), "chown %s: %m", path);
        if (listen(fd, SOMAXCONN) < 0)
                return log_error_errno(negative_errno(), "listen: %m");
        *ret_fd = TAKE_FD(fd);
        return 0;
}
