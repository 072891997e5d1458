/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * create.c - the reference's convenience constructors: create_connection,
 * create_server and has_dualstack_ipv6.
 *
 * Sockets are made with sb_socket() and bound with sb_bind(), so what the
 * kernel refuses may still come from the broker, as for a hand-written
 * socket, bind, listen sequence.
 *
 * The reference's all_errors raises one exception holding the error of
 * every attempt. C has no exception to hold them, so the caller may pass
 * an array that receives them, each with the address it concerns; errno
 * is the last attempt's error either way, as in the reference's default.
 * getaddrinfo(3) reports its errors as EAI_* codes outside errno; the
 * array keeps the code (negative, so it cannot be mistaken for an errno),
 * and errno gets the nearest errno value.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client-lib/socket/socket-internal.h"
#include "common/util.h"
#include "sockbroker/sockbroker.h"
#include "sockbroker/socket.h"

static struct addrinfo *freeaddrinfo_null(struct addrinfo *ai)
{
        if (ai)
                freeaddrinfo(ai);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct addrinfo *, freeaddrinfo_null)

int eai_to_errno(int eai, int saved_errno)
{
        switch (eai) {
        case 0:
                return 0;
        case EAI_SYSTEM:
                return saved_errno > 0 ? saved_errno : EIO;
        case EAI_NONAME:
        case EAI_NODATA:
        case EAI_ADDRFAMILY:
                return ENXIO;
        case EAI_AGAIN:
                return EAGAIN;
        case EAI_MEMORY:
                return ENOMEM;
        case EAI_FAMILY:
                return EAFNOSUPPORT;
        case EAI_SOCKTYPE:
                return ESOCKTNOSUPPORT;
        case EAI_BADFLAGS:
        case EAI_SERVICE:
                return EINVAL;
        case EAI_OVERFLOW:
                return EOVERFLOW;
        default:
                return EIO;
        }
}

/* getaddrinfo(3) for a numeric port; the EAI code, or 0. */
static int resolve(const char *host, uint16_t port, int family, int flags,
                   struct addrinfo **ret)
{
        struct addrinfo hints = {
                .ai_family = family,
                .ai_socktype = SOCK_STREAM,
                .ai_flags = flags | AI_NUMERICSERV,
        };
        char service[sizeof("65535")];

        snprintf(service, sizeof(service), "%u", (unsigned)port);
        return getaddrinfo(host, service, &hints, ret);
}

/* The error of an attempt: a positive errno, or a negative EAI code. */
typedef struct Attempts {
        struct sb_attempt *v;
        size_t capacity;
        size_t n;
        bool all;
} Attempts;

static void attempts_add(Attempts *a, const struct sockaddr *sa, socklen_t len, int error)
{
        struct sb_attempt *slot;

        if (!a->v)
                return;
        if (!a->all)
                a->n = 0;       /* keep only the last */
        if (a->n < a->capacity) {
                slot = &a->v[a->n];
                slot->error = error;
                slot->address[0] = '\0';
                if (sa)
                        (void)sb_addr_format(sa, len, 0, slot->address, sizeof(slot->address));
        }
        a->n++;
}

/* Binds fd to the source address of its family. A positive errno or a
 * negative EAI code. */
static int bind_source(int fd, int family, const char *host, uint16_t port)
{
        _cleanup_(freeaddrinfo_nullp) struct addrinfo *res = NULL;
        int eai;

        eai = resolve(host && host[0] ? host : NULL, port, family, AI_PASSIVE, &res);
        if (eai != 0)
                return eai == EAI_SYSTEM ? eai_to_errno(eai, errno) : eai;
        if (sb_bind(fd, res->ai_addr, res->ai_addrlen) < 0)
                return errno;
        return 0;
}

/* One attempt; a descriptor, or -1 with *ret_error as for bind_source(). */
static int connect_one(const struct addrinfo *ai, int64_t timeout_usec,
                       const char *source_host, uint16_t source_port, int *ret_error)
{
        _cleanup_close_ int fd = -1;
        int r;

        fd = sb_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
                *ret_error = errno;
                return -1;
        }
        /* The order of the reference: timeout, source address, connect. */
        if (timeout_usec >= 0) {
                r = sock_set_timeout(fd, timeout_usec);
                if (r < 0) {
                        *ret_error = -r;
                        return -1;
                }
        }
        if ((source_host && source_host[0]) || source_port != 0) {
                r = bind_source(fd, ai->ai_family, source_host, source_port);
                if (r != 0) {
                        *ret_error = r;
                        return -1;
                }
        }
        r = sock_connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r < 0) {
                *ret_error = -r;
                return -1;
        }
        return TAKE_FD(fd);
}

SB_EXPORT int sb_create_connection(const char *host, uint16_t port, double timeout,
                                   const char *source_host, uint16_t source_port,
                                   int flags, struct sb_attempt *attempts,
                                   size_t *n_attempts)
{
        _cleanup_(freeaddrinfo_nullp) struct addrinfo *res = NULL;
        Attempts a = { .v = attempts, .all = flags & SB_ALL_ERRORS };
        int64_t timeout_usec;
        int eai, last = 0, r;

        if ((flags & ~SB_ALL_ERRORS) || !attempts != !n_attempts) {
                errno = EINVAL;
                return -1;
        }
        r = timeout_from_seconds(timeout, &timeout_usec);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        if (n_attempts) {
                a.capacity = *n_attempts;
                *n_attempts = 0;
        }

        eai = resolve(host, port, AF_UNSPEC, 0, &res);
        if (eai != 0) {
                int e = eai_to_errno(eai, errno);

                attempts_add(&a, NULL, 0, eai == EAI_SYSTEM ? e : eai);
                if (n_attempts)
                        *n_attempts = a.n;
                errno = e;
                return -1;
        }

        for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                int fd, error = 0;

                fd = connect_one(ai, timeout_usec, source_host, source_port, &error);
                if (fd >= 0) {
                        if (n_attempts)
                                *n_attempts = a.n;
                        return fd;
                }
                attempts_add(&a, ai->ai_addr, ai->ai_addrlen, error);
                last = error;
        }

        if (n_attempts)
                *n_attempts = a.n;
        errno = last > 0 ? last : eai_to_errno(last, EIO);
        return -1;
}

SB_EXPORT int sb_has_dualstack_ipv6(void)
{
        _cleanup_close_ int fd = -1;
        int off = 0;

        fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return 0;
        return setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0;
}

SB_EXPORT int sb_create_server(const char *host, uint16_t port, int family, int backlog,
                               int flags)
{
        _cleanup_(freeaddrinfo_nullp) struct addrinfo *res = NULL;
        _cleanup_close_ int fd = -1;
        int eai, r;

        if (flags & ~(SB_REUSE_PORT | SB_DUALSTACK_IPV6)) {
                errno = EINVAL;
                return -1;
        }
        if (family == AF_UNSPEC)
                family = AF_INET;
        if (family != AF_INET && family != AF_INET6) {
                errno = EAFNOSUPPORT;
                return -1;
        }
        if (flags & SB_DUALSTACK_IPV6) {
                if (family != AF_INET6) {
                        errno = EINVAL;
                        return -1;
                }
                if (!sb_has_dualstack_ipv6()) {
                        errno = EOPNOTSUPP;
                        return -1;
                }
        }

        eai = resolve(host && host[0] ? host : NULL, port, family, AI_PASSIVE, &res);
        if (eai != 0) {
                errno = eai_to_errno(eai, errno);
                return -1;
        }

        fd = sb_socket(family, SOCK_STREAM, 0);
        if (fd < 0)
                return -1;
        /* As the reference on POSIX: reuse addresses in TIME_WAIT at
         * once; a failure here is not fatal. */
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
        if ((flags & SB_REUSE_PORT) &&
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &(int){ 1 }, sizeof(int)) < 0)
                return -1;
        if (family == AF_INET6 &&
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
                       &(int){ !(flags & SB_DUALSTACK_IPV6) }, sizeof(int)) < 0)
                return -1;
        if (sb_bind(fd, res->ai_addr, res->ai_addrlen) < 0)
                return -1;
        if (sb_listen(fd, backlog <= 0 ? -1 : backlog) < 0)
                return -1;
        r = sock_apply_default_timeout(fd);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        return TAKE_FD(fd);
}
