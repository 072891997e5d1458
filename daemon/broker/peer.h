/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * peer.h - who is on the other end of a client connection.
 *
 * uid, gid and pid come from SO_PEERCRED and the supplementary groups from
 * SO_PEERGROUPS; the kernel captured both at connect(), so they cannot be
 * changed by the peer afterwards. The systemd unit and the cgroup come
 * from /proc/PID/cgroup, which names a pid, and pids are recycled: the
 * peer is therefore pinned with a pidfd (SO_PEERPIDFD on Linux 6.5 and
 * later, else pidfd_open() right after accept()), and /proc is trusted
 * only if that pidfd still refers to a live process after the read.
 *
 * Where the kernel answers PIDFD_GET_INFO (Linux 6.13), the pidfd itself
 * says more: the id of the process's cgroup, and, as the inode number of
 * the pidfd on pidfs, an id of the process that no other takes until the
 * next boot. With both, a process that connects again from the same
 * cgroup is not read from /proc again (struct peer_cache).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* ioctl(PIDFD_GET_INFO) of Linux 6.13, for the broker's seccomp filter:
 * _IOWR(0xFF, 11, 64 bytes). */
#define PEER_PIDFD_GET_INFO 0xc040ff0bu

struct peer {
        uid_t uid;
        gid_t gid;
        pid_t pid;
        gid_t *groups;
        size_t n_groups;
        int pidfd;               /* -1 when none could be had */
        bool pidfd_from_socket;  /* SO_PEERPIDFD rather than pidfd_open() */
        char *cgroup;            /* NULL when unknown */
        char *unit;              /* NULL when unknown or not in a unit */
        bool unmapped;           /* uid not nameable in our user namespace */
        /* From the pidfd where the kernel has PIDFD_GET_INFO, else 0: the
         * pidfd's inode number on pidfs, which names the process for the
         * whole boot, and the id of its cgroup. */
        uint64_t pidfs_id;
        uint64_t cgroup_id;
        /* The process's start time (/proc/PID/stat), read at its first
         * grant and kept: it is the process's and never changes while the
         * pidfd pins it. 0 when /proc did not show it. */
        uint64_t start_time;
        bool start_time_read;
};

/*
 * What this process's user namespace maps. The kernel reports a peer
 * whose uid or gid has no name here as the overflow id (65534): in a
 * namespace that does not map every id, a peer claiming it may be anyone.
 */
struct peer_idmap {
        bool all_uids;           /* every uid maps: the initial namespace */
        bool all_gids;
        uid_t overflow_uid;
        gid_t overflow_gid;
};

/* Reads /proc/self/{uid,gid}_map and the overflow ids (65534 when the
 * latter are not readable). */
int peer_idmap_read(struct peer_idmap *ret);

/* Whether /proc/PID/uid_map (or gid_map) text maps every id. Pure. */
bool peer_idmap_text_maps_all(const char *text, size_t len);

/*
 * Applies m to p: a uid that may be unmapped marks p unmapped (to be
 * refused: its identity is unknown); a primary gid that may be unmapped
 * becomes (gid_t)-1, which no rule names, and such supplementary groups
 * are dropped. Pure.
 */
void peer_apply_idmap(struct peer *p, const struct peer_idmap *m);

/*
 * The cgroups read from /proc, by process: one slot for each of the last
 * PEER_CACHE_SLOTS processes (by pidfs id) to connect. A slot is used only
 * while the kernel still reports the cgroup id it was read with, so a
 * process moved to another cgroup is read again; one that moved away and
 * back while it was read can at most keep a cgroup it was in, as a
 * connection made there keeps it. Bounded: no more slots, and no longer
 * paths than PEER_CACHE_MAX_PATH, whatever the peers do.
 */
#define PEER_CACHE_SLOTS 64u
#define PEER_CACHE_MAX_PATH 512u

struct peer_cache_slot {
        uint64_t pidfs_id;       /* 0: empty */
        uint64_t cgroup_id;
        char *cgroup;
        char *unit;              /* NULL when not in a unit */
};

struct peer_cache {
        struct peer_cache_slot slots[PEER_CACHE_SLOTS];
        uint64_t hits;
        uint64_t misses;
};

/* The slot of process pidfs_id while it is in cgroup cgroup_id, or NULL.
 * Pure. */
const struct peer_cache_slot *peer_cache_find(const struct peer_cache *c, uint64_t pidfs_id,
                                              uint64_t cgroup_id);
/* Keeps cgroup (and its unit) for the process, replacing what its slot
 * held. Keeps nothing for a zero id or a path longer than the bound. */
void peer_cache_store(struct peer_cache *c, uint64_t pidfs_id, uint64_t cgroup_id,
                      const char *cgroup, const char *unit);
void peer_cache_done(struct peer_cache *c);

/* pidfd_open(pid, 0), or -1 with errno set (ENOSYS where the system
 * call is unknown). The pidfd is close-on-exec. */
int peer_pidfd_open(pid_t pid);

/* Whether pidfd's process still runs: a pidfd polls readable once its
 * process has exited (a zombie's too); until then the pid cannot be
 * reused. Needs no permission over the process. */
bool peer_pidfd_alive(int pidfd);

/* The inode number of pidfd, which on pidfs (Linux 6.9) names its
 * process until the next boot. Returns 0 or a negative errno. */
int peer_pidfs_id(int pidfd, uint64_t *ret);

/* Fills *p from a connected AF_UNIX socket, without a cache. Fails only
 * when SO_PEERCRED does; missing groups, pidfd, cgroup or unit leave
 * those fields empty. */
int peer_from_socket(int fd, struct peer *p);

/*
 * The same in two steps: uid, gid and pid alone (one system call, for
 * a connection that may close before it asks anything), then the rest.
 * The kernel captured all of it at connect(), so reading it later reads
 * the same; only the cgroup is read from /proc, while the pidfd shows
 * the process alive.
 */
int peer_from_socket_cred(int fd, struct peer *p);
void peer_from_socket_rest(int fd, struct peer *p, struct peer_cache *cache);
void peer_done(struct peer *p);

/*
 * The unit a cgroup path belongs to: the last component ending in
 * ".service" or ".scope" before any further nesting inside the unit, as
 * systemd names it for system units ("/system.slice/foo.service/x" ->
 * "foo.service"). Pure. Returns a new string, or NULL when none.
 */
char *peer_unit_from_cgroup(const char *cgroup);

/* Parses the unified-hierarchy ("0::") line of /proc/PID/cgroup text.
 * Pure. Returns a new string or NULL. */
char *peer_cgroup_from_proc(const char *text, size_t len);
