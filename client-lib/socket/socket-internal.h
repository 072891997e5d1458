/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socket-internal.h - libsockbroker internals of the socket API mirror
 * (sockbroker/socket.h, sockbroker/netinfo.h): the socket modes kept in
 * the kernel, the retry loop every call goes through, and the pure
 * decisions the Check suite tests table by table.
 *
 * Everything here returns a negative errno; only the exported sb_*
 * functions turn that into -1 and errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Most descriptors one SCM_RIGHTS message carries (SCM_MAX_FD in the
 * kernel's include/net/scm.h, not exported to userspace). */
#define SB_SCM_MAX_FD 253u

/* Longest IV sb_sendmsg_afalg() takes; every kernel cipher's is far
 * shorter (MAX_CIPHER_BLOCKSIZE is 16, AEAD IVs are at most 16 too). */
#define SB_AFALG_IV_MAX 256u

/* ---- timeouts (timeout.c) ------------------------------------------- */

/* The reference's three modes, as the kernel holds them (timeout.c). */
typedef enum SockMode {
        SOCK_MODE_BLOCKING,
        SOCK_MODE_NONBLOCKING,
        SOCK_MODE_TIMEOUT,
} SockMode;

/* A mode read from a descriptor, and for SOCK_MODE_TIMEOUT the moment
 * (now_usec() clock) at which the call in progress gives up. */
typedef struct SockWait {
        SockMode mode;
        int64_t timeout_usec;   /* -1 blocking, 0 non-blocking, > 0 */
        int64_t deadline_usec;  /* -1 unless SOCK_MODE_TIMEOUT */
} SockWait;

/* Seconds as the API takes them -> microseconds: a negative value is -1
 * (blocking), 0 is 0 (non-blocking), anything else is rounded up to a
 * whole microsecond, so a tiny timeout never turns into "forever".
 * -EINVAL for NaN, -ERANGE above SB_TIMEOUT_MAX. */
int timeout_from_seconds(double seconds, int64_t *ret_usec);
double timeout_to_seconds(int64_t usec);

/* CLOCK_MONOTONIC in microseconds. */
int64_t now_usec(void);

/* Reads the mode of fd for one direction: optname is SO_RCVTIMEO for
 * calls that wait to read (recv, accept) and SO_SNDTIMEO for calls that
 * wait to write (send, connect), as the kernel applies them. Starts the
 * deadline. */
int sockwait_init(SockWait *w, int fd, int optname);

/* Writes a mode: -1 blocking, 0 non-blocking, > 0 a timeout. */
int sock_set_timeout(int fd, int64_t usec);

/* The default timeout for new sockets, -1 when there is none. */
int64_t default_timeout_usec(void);

/* Gives a socket the library creates the default timeout, if one is set. */
int sock_apply_default_timeout(int fd);

/* poll(2) for events until deadline_usec (-1: forever), retrying EINTR
 * with the time that is left. 0 when ready, -ETIMEDOUT, or -errno. */
int sock_wait(int fd, short events, int64_t deadline_usec);

/* One attempt of an operation; extra_flags is MSG_DONTWAIT in timeout
 * mode. Returns >= 0 or -1 with errno set, like the system call. */
typedef ssize_t (*sock_op_fn)(int fd, void *userdata, int extra_flags);

/*
 * Runs op until it succeeds or fails for good, as w's mode says: EINTR
 * is retried (PEP 475); in timeout mode op runs with MSG_DONTWAIT and
 * EAGAIN waits, with poll(2), for the time left until w's deadline,
 * after which the result is -ETIMEDOUT. Returns op's result or -errno.
 */
ssize_t sockwait_run(SockWait *w, int fd, short events, sock_op_fn op, void *userdata);

/* ---- decisions (sockops.c, create.c, sockio.c) ----------------------- */

/* listen(2)'s backlog for a requested one: negative is the reference's
 * default, min(SOMAXCONN, 128). */
int listen_backlog(int backlog);

/* A getaddrinfo(3) error as errno: SB_EAI_ERRNO(eai), but for EAI_SYSTEM,
 * whose error is saved_errno (EIO when that is not set). */
int eai_error(int eai, int saved_errno);

/* The fdopen(3) mode for a makefile mode of 'r', 'w' and 'b'; NULL is "r". */
int makefile_mode(const char *mode, const char **ret_fdopen_mode);

/*
 * Takes the descriptors of every SOL_SOCKET/SCM_RIGHTS item in msg's
 * control data, ignoring the bytes of a truncated int at the end of an
 * item and any part of an item beyond msg_controllen. The first max_fds
 * go to fds; the rest are closed. Returns how many went to fds.
 */
size_t cmsg_take_fds(const struct msghdr *msg, int *fds, size_t max_fds);

/* Closes every SCM_RIGHTS descriptor in msg's control data. */
void cmsg_close_fds(const struct msghdr *msg);

/* Writes the AF_ALG control messages (ALG_SET_OP, ALG_SET_IV when iv is
 * not NULL, ALG_SET_AEAD_ASSOCLEN when assoclen >= 0) into buf of size
 * bytes, which must be aligned for struct cmsghdr, and stores their
 * length. -EINVAL for a bad argument, -ENOBUFS when buf is too small. */
int afalg_control(void *buf, size_t size, int op, const void *iv, size_t ivlen,
                  int assoclen, size_t *ret_len);

/* sb_cmsg_len() and sb_cmsg_space() as pure functions: -EOVERFLOW when
 * the result would not fit in INT_MAX, the most the kernel accepts. */
ssize_t cmsg_len_checked(size_t length);
ssize_t cmsg_space_checked(size_t length);

/* The internal connect: sb_connect() returns -1 and errno from it,
 * sb_connect_ex() the errno itself. */
int sock_connect(int fd, const struct sockaddr *sa, socklen_t len);
