/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conn-kept.c - libsockbroker's connections to the broker: one per
 * thread, kept between calls, so that a grant costs the broker no
 * accept, no peer lookup and no new event sources.
 *
 * The broker knows a connection's peer by what the kernel recorded when
 * it connected: its pid, effective uid and gid, supplementary groups,
 * and (as the witness of netns=client rules) its network namespace. A
 * kept connection is used again only while all of those are still the
 * calling thread's; a process that changed its credentials or its
 * namespace, or a child after fork(), makes a new one, so it is never
 * served as someone it no longer is. The one thing not compared is the
 * cgroup the broker read at connect time (unit= and cgroup= rules): a
 * process moved to another cgroup keeps its connection's until the
 * connection ends.
 *
 * The descriptor is the thread's only as long as the program leaves it
 * alone: one that closes every descriptor it did not open (closefrom(),
 * a daemon's start) may have closed it and reused the number. The kept
 * socket's device and inode are checked before each use, and a number
 * that names something else is forgotten, never closed.
 *
 * A thread that ends closes its connection (a thread-specific key's
 * destructor); exec() closes it too (close-on-exec).
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client-lib/broker/client.h"
#include "common/util.h"

/* More supplementary groups than this and no connection is kept. */
#define KEPT_MAX_GROUPS 64

struct identity {
        pid_t pid;
        uid_t euid;
        gid_t egid;
        dev_t netns_dev;
        ino_t netns_ino;
        int n_groups;
        gid_t groups[KEPT_MAX_GROUPS];
};

struct kept {
        int fd;                 /* -1: none */
        dev_t dev;              /* the socket's, to know it is still ours */
        ino_t ino;
        char path[108];         /* the broker's socket it reaches */
        struct identity who;
};

static __thread struct kept kept = { .fd = -1 };

/* What sb_conn_get() handed out last, for sb_conn_put(): the kept
 * connection, or a new one and who made it. A call nested in another (a
 * signal handler's) overwrites these, and the outer call's connection,
 * then neither, is closed rather than kept. */
static __thread int reused_fd = -1;
static __thread int fresh_fd = -1;
static __thread struct identity fresh;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static bool key_made;

static void on_thread_exit(void *p)
{
        (void)p;
        if (kept.fd >= 0)
                (void)close(kept.fd);
        kept.fd = -1;
}

static void make_key(void)
{
        key_made = pthread_key_create(&key, on_thread_exit) == 0;
}

/* The calling thread's identity as the broker would record it; false
 * when part of it cannot be read, and then nothing is kept. */
static bool identity_read(struct identity *id)
{
        struct stat st;

        memset(id, 0, sizeof(*id));
        id->pid = getpid();
        id->euid = geteuid();
        id->egid = getegid();
        id->n_groups = getgroups(KEPT_MAX_GROUPS, id->groups);
        if (id->n_groups < 0)
                return false;
        if (stat("/proc/thread-self/ns/net", &st) < 0)
                return false;
        id->netns_dev = st.st_dev;
        id->netns_ino = st.st_ino;
        return true;
}

static bool identity_same(const struct identity *a, const struct identity *b)
{
        return a->pid == b->pid && a->euid == b->euid && a->egid == b->egid &&
               a->netns_dev == b->netns_dev && a->netns_ino == b->netns_ino &&
               a->n_groups == b->n_groups &&
               memcmp(a->groups, b->groups, (size_t)a->n_groups * sizeof(gid_t)) == 0;
}

/* Whether kept.fd still is the socket kept. */
static bool kept_is_ours(void)
{
        struct stat st;

        return fstat(kept.fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == kept.dev &&
               st.st_ino == kept.ino;
}

/* Lets go of the kept connection: closed when it is still ours, else
 * only forgotten. */
static void kept_forget(void)
{
        if (kept.fd >= 0 && kept_is_ours())
                (void)close(kept.fd);
        kept.fd = -1;
}

int sb_conn_get(bool *ret_reused)
{
        struct identity now;
        const char *path = sb_client_socket_path();
        bool known = identity_read(&now);

        *ret_reused = false;
        if (kept.fd >= 0) {
                if (known && identity_same(&now, &kept.who) && strcmp(path, kept.path) == 0 &&
                    kept_is_ours()) {
                        *ret_reused = true;
                        reused_fd = TAKE_FD(kept.fd);
                        return reused_fd;
                }
                kept_forget();
        }
        fresh_fd = sb_client_connect();
        if (fresh_fd >= 0 && known)
                fresh = now;
        else if (fresh_fd >= 0)
                fresh.pid = 0;          /* not known: not to be kept */
        return fresh_fd;
}

void sb_conn_put(int fd)
{
        const char *path = sb_client_socket_path();
        struct stat st;

        /* A reused connection is as it was. A new one is kept as who made
         * it; one at a time, so a call made while another ran (a signal
         * handler's) closes its own. */
        if (fd == reused_fd && kept.fd < 0) {
                reused_fd = -1;
                kept.fd = fd;
                return;
        }
        if (fd != fresh_fd) {
                (void)close(fd);
                return;
        }
        fresh_fd = -1;
        if (kept.fd >= 0 || fresh.pid == 0 || strlen(path) >= sizeof(kept.path) ||
            fstat(fd, &st) < 0) {
                (void)close(fd);
                return;
        }
        pthread_once(&key_once, make_key);
        if (!key_made || pthread_setspecific(key, &kept) != 0) {
                (void)close(fd);
                return;
        }
        kept.who = fresh;
        kept.dev = st.st_dev;
        kept.ino = st.st_ino;
        memcpy(kept.path, path, strlen(path) + 1);
        kept.fd = fd;
}

void sb_conn_drop(int fd)
{
        if (fd == fresh_fd)
                fresh_fd = -1;
        if (fd == reused_fd)
                reused_fd = -1;
        (void)close(fd);
}
