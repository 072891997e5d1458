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
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

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

/* Fills *p from a connected AF_UNIX socket. Fails only when SO_PEERCRED
 * does; missing groups, pidfd, cgroup or unit leave those fields empty. */
int peer_from_socket(int fd, struct peer *p);

/*
 * The same in two steps: uid, gid and pid alone (one system call, for
 * a connection that may close before it asks anything), then the rest.
 * The kernel captured all of it at connect(), so reading it later reads
 * the same; only the cgroup is read from /proc, while the pidfd shows
 * the process alive.
 */
int peer_from_socket_cred(int fd, struct peer *p);
void peer_from_socket_rest(int fd, struct peer *p);
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
