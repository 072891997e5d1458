/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * peer.c - peer identity, pinned by a pidfd.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/broker/peer.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* PIDFD_GET_INFO, Linux 6.13 (include/uapi/linux/pidfd.h), in its first
 * size; the kernel takes the size from the request number. */
struct peer_pidfd_info {
        uint64_t mask;
        uint64_t cgroupid;
        uint32_t pid;
        uint32_t tgid;
        uint32_t ppid;
        uint32_t ruid;
        uint32_t rgid;
        uint32_t euid;
        uint32_t egid;
        uint32_t suid;
        uint32_t sgid;
        uint32_t fsuid;
        uint32_t fsgid;
        uint32_t spare0[1];
};
_Static_assert(sizeof(struct peer_pidfd_info) == 64, "PIDFD_INFO_SIZE_VER0");
_Static_assert(PEER_PIDFD_GET_INFO == _IOWR(0xFF, 11, struct peer_pidfd_info),
               "the request number names this size");
#define PEER_PIDFD_INFO_CGROUPID (UINT64_C(1) << 2)

#define PEER_MAX_GROUPS 65536u
#define PEER_MAX_CGROUP_FILE 65536u
/* The kernel's overflowuid and overflowgid unless set otherwise. */
#define PEER_DEFAULT_OVERFLOW_ID 65534ul

int peer_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
        return (int)syscall(SYS_pidfd_open, pid, 0);
#else
        errno = ENOSYS;
        return -1;
#endif
}

bool peer_pidfd_alive(int pidfd)
{
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

        return poll(&pfd, 1, 0) == 0;
}

static int read_groups(int fd, struct peer *p)
{
        socklen_t len = 32 * sizeof(gid_t);

        for (;;) {
                gid_t *g = realloc(p->groups, len);

                if (!g)
                        return -ENOMEM;
                p->groups = g;
                if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
                        p->n_groups = len / sizeof(gid_t);
                        return 0;
                }
                if (errno != ERANGE || len > PEER_MAX_GROUPS * sizeof(gid_t))
                        return negative_errno();
                /* len now holds the size the kernel needs. */
        }
}

bool peer_idmap_text_maps_all(const char *text, size_t len)
{
        const char *p = text, *end = text + len;

        /* "inside outside count" lines; all ids is one range of 2^32 - 1. */
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                char line[128];
                unsigned long inside, outside, count;
                size_t n = (size_t)((nl ? nl : end) - p);

                if (n < sizeof(line)) {
                        memcpy(line, p, n);
                        line[n] = 0;
                        if (sscanf(line, "%lu %lu %lu", &inside, &outside, &count) == 3 &&
                            inside == 0 && count >= UINT32_MAX)
                                return true;
                }
                if (!nl)
                        break;
                p = nl + 1;
        }
        return false;
}

static bool file_maps_all(const char *path)
{
        char buf[4096];
        ssize_t n;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return true;     /* no user namespaces: every id is itself */
        n = read(fd, buf, sizeof(buf));
        return n > 0 && peer_idmap_text_maps_all(buf, (size_t)n);
}

static unsigned long read_overflow(const char *path)
{
        char buf[32] = "";
        unsigned long v;
        ssize_t n;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return PEER_DEFAULT_OVERFLOW_ID;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0 || sscanf(buf, "%lu", &v) != 1 || v > UINT32_MAX - 1)
                return PEER_DEFAULT_OVERFLOW_ID;
        return v;
}

int peer_idmap_read(struct peer_idmap *ret)
{
        *ret = (struct peer_idmap) {
                .all_uids = file_maps_all("/proc/self/uid_map"),
                .all_gids = file_maps_all("/proc/self/gid_map"),
                .overflow_uid = (uid_t)read_overflow("/proc/sys/kernel/overflowuid"),
                .overflow_gid = (gid_t)read_overflow("/proc/sys/kernel/overflowgid"),
        };
        return 0;
}

void peer_apply_idmap(struct peer *p, const struct peer_idmap *m)
{
        size_t n = 0;

        if (!m->all_uids && p->uid == m->overflow_uid)
                p->unmapped = true;
        if (m->all_gids)
                return;
        if (p->gid == m->overflow_gid)
                p->gid = (gid_t)-1;
        for (size_t i = 0; i < p->n_groups; i++)
                if (p->groups[i] != m->overflow_gid)
                        p->groups[n++] = p->groups[i];
        p->n_groups = n;
}

char *peer_cgroup_from_proc(const char *text, size_t len)
{
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *eol = nl ? nl : end;

                if (eol - p > 3 && strneq(p, "0::", 3) && p[3] == '/')
                        return strndup(p + 3, (size_t)(eol - p - 3));
                p = eol + 1;
        }
        return NULL;
}

static bool endswith(const char *s, size_t n, const char *suffix)
{
        size_t k = strlen(suffix);

        return n > k && memcmp(s + n - k, suffix, k) == 0;
}

char *peer_unit_from_cgroup(const char *cgroup)
{
        const char *p = cgroup;

        if (!cgroup || cgroup[0] != '/')
                return NULL;

        /* Walk the slices; the first non-slice component is the unit. */
        while (*p == '/') {
                const char *c = p + 1;
                size_t n = strcspn(c, "/");

                if (n == 0)
                        return NULL;
                if (endswith(c, n, ".slice")) {
                        p = c + n;
                        continue;
                }
                if (endswith(c, n, ".service") || endswith(c, n, ".scope"))
                        return strndup(c, n);
                return NULL;
        }
        return NULL;
}

static char *read_proc_cgroup(pid_t pid)
{
        char path[64], buf[PEER_MAX_CGROUP_FILE];
        _cleanup_close_ int fd = -1;
        size_t len = 0;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return NULL;
        while (len < sizeof(buf)) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        return peer_cgroup_from_proc(buf, len);
}

/* ---- what the pidfd says ---------------------------------------------------- */

/* The id of the cgroup of pidfd's process. Returns 0, -ESRCH once the
 * process has exited, or another negative errno where the kernel has no
 * PIDFD_GET_INFO or no cgroups. */
static int pidfd_cgroup_id(int pidfd, uint64_t *ret)
{
        struct peer_pidfd_info info = { .mask = PEER_PIDFD_INFO_CGROUPID };

        if (ioctl(pidfd, PEER_PIDFD_GET_INFO, &info) < 0)
                return negative_errno();
        if (!(info.mask & PEER_PIDFD_INFO_CGROUPID) || info.cgroupid == 0)
                return -EOPNOTSUPP;
        *ret = info.cgroupid;
        return 0;
}

int peer_pidfs_id(int pidfd, uint64_t *ret)
{
        struct stat st;

        if (fstat(pidfd, &st) < 0)
                return negative_errno();
        if (st.st_ino == 0)
                return -EINVAL;
        *ret = (uint64_t)st.st_ino;
        return 0;
}

const struct peer_cache_slot *peer_cache_find(const struct peer_cache *c, uint64_t pidfs_id,
                                              uint64_t cgroup_id)
{
        const struct peer_cache_slot *s = &c->slots[pidfs_id % PEER_CACHE_SLOTS];

        if (pidfs_id == 0 || s->pidfs_id != pidfs_id || s->cgroup_id != cgroup_id)
                return NULL;
        return s;
}

static void slot_clear(struct peer_cache_slot *s)
{
        free(s->cgroup);
        free(s->unit);
        *s = (struct peer_cache_slot) {};
}

void peer_cache_store(struct peer_cache *c, uint64_t pidfs_id, uint64_t cgroup_id,
                      const char *cgroup, const char *unit)
{
        struct peer_cache_slot *s = &c->slots[pidfs_id % PEER_CACHE_SLOTS];
        char *cg, *u = NULL;

        if (pidfs_id == 0 || cgroup_id == 0 || !cgroup || strlen(cgroup) >= PEER_CACHE_MAX_PATH)
                return;
        cg = strdup(cgroup);
        if (!cg || (unit && !(u = strdup(unit)))) {
                free(cg);
                return;
        }
        slot_clear(s);
        *s = (struct peer_cache_slot) {
                .pidfs_id = pidfs_id,
                .cgroup_id = cgroup_id,
                .cgroup = cg,
                .unit = u,
        };
}

void peer_cache_done(struct peer_cache *c)
{
        for (unsigned i = 0; i < PEER_CACHE_SLOTS; i++)
                slot_clear(&c->slots[i]);
}

static bool peer_set_cgroup(struct peer *p, const char *cgroup, const char *unit)
{
        p->cgroup = strdup(cgroup);
        p->unit = unit ? strdup(unit) : NULL;
        if (p->cgroup && (p->unit || !unit))
                return true;
        p->cgroup = mfree(p->cgroup);
        p->unit = mfree(p->unit);
        return false;
}

/*
 * The cgroup of p by its pidfd: from the cache while the kernel reports
 * the id it was read with, else from /proc, kept only if the process was
 * in the same cgroup before and after the read (which also shows it
 * alive). Returns false where the kernel cannot say, for the caller to
 * read /proc as before; true when it could, cgroup known or not.
 */
static bool peer_identify_pidfd(struct peer *p, struct peer_cache *cache)
{
        const struct peer_cache_slot *s;
        uint64_t before, after;

        /* PIDFD_GET_INFO came after pidfs (Linux 6.9), so the inode
         * number is the process's. */
        if (pidfd_cgroup_id(p->pidfd, &before) < 0 || peer_pidfs_id(p->pidfd, &p->pidfs_id) < 0)
                return false;
        p->cgroup_id = before;

        s = cache ? peer_cache_find(cache, p->pidfs_id, before) : NULL;
        if (s) {
                cache->hits++;
                (void)peer_set_cgroup(p, s->cgroup, s->unit);
                return true;
        }
        if (cache)
                cache->misses++;

        /* Moved while read: the text may be either cgroup's. Once more,
         * and then unknown: a process that keeps moving is not named. */
        for (unsigned attempt = 0; attempt < 2; attempt++) {
                _cleanup_free_ char *cg = read_proc_cgroup(p->pid);
                _cleanup_free_ char *unit = NULL;
                int r = pidfd_cgroup_id(p->pidfd, &after);

                if (r < 0 || !cg)
                        return true;     /* exited, or /proc did not show it */
                if (after != before) {
                        before = p->cgroup_id = after;
                        continue;
                }
                unit = peer_unit_from_cgroup(cg);
                if (peer_set_cgroup(p, cg, unit) && cache)
                        peer_cache_store(cache, p->pidfs_id, after, cg, unit);
                return true;
        }
        return true;
}

int peer_from_socket_cred(int fd, struct peer *p)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        *p = (struct peer) { .pidfd = -1 };
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return negative_errno();
        if (len != sizeof(cred))
                return -EIO;
        p->uid = cred.uid;
        p->gid = cred.gid;
        p->pid = cred.pid;
        return 0;
}

void peer_from_socket_rest(int fd, struct peer *p, struct peer_cache *cache)
{
        socklen_t len;
        int pidfd = -1;
        char *cg;

        if (read_groups(fd, p) < 0) {
                p->groups = mfree(p->groups);
                p->n_groups = 0;
        }

        len = sizeof(pidfd);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && pidfd >= 0) {
                /* CLOEXEC: the kernel makes every pidfd so
                 * (tests/check-peer.c). */
                p->pidfd_from_socket = true;
        } else if (p->pid > 0) {
                pidfd = peer_pidfd_open(p->pid);
        }
        p->pidfd = pidfd;

        if (p->pidfd < 0 || p->pid <= 0 || peer_identify_pidfd(p, cache))
                return;
        cg = read_proc_cgroup(p->pid);
        /* Only if the process the pidfd pins is still alive can the pid
         * not have been recycled while we read /proc. */
        if (cg && peer_pidfd_alive(p->pidfd)) {
                p->cgroup = cg;
                p->unit = peer_unit_from_cgroup(cg);
        } else {
                free(cg);
        }
}

int peer_from_socket(int fd, struct peer *p)
{
        int r = peer_from_socket_cred(fd, p);

        if (r < 0)
                return r;
        peer_from_socket_rest(fd, p, NULL);
        return 0;
}

void peer_done(struct peer *p)
{
        p->groups = mfree(p->groups);
        p->cgroup = mfree(p->cgroup);
        p->unit = mfree(p->unit);
        p->pidfd = safe_close(p->pidfd);
}
