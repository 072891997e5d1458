/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * create.c - the calls that create sockets: sb_socket() and sb_open(),
 * which fall back to the broker, and the reference's convenience
 * constructors create_connection and create_server; has_ipv6 and
 * has_dualstack_ipv6.
 *
 * Every socket made here gets the default timeout unless the caller asked
 * for SOCK_NONBLOCK (sb_create_connection() takes a timeout of its own).
 * The constructors make their sockets with sb_socket() and bind them with
 * sb_bind(), so what the kernel refuses may still come from the broker, as
 * for a hand-written socket, bind, listen sequence.
 *
 * The reference's all_errors raises one exception holding the error of
 * every attempt. C has no exception to hold them, so the caller may pass
 * an array that receives them, each with the address it concerns; errno
 * is the last attempt's error either way, as in the reference's default.
 * getaddrinfo(3) reports its errors as EAI_* codes outside errno; they
 * travel as SB_EAI_ERRNO(code), the reference's gaierror, in a range no
 * errno value reaches.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client-lib/broker/client.h"
#include "client-lib/broker/spec.h"
#include "client-lib/socket/socket-internal.h"
#include "common/util.h"
#include "proto/protocol.h"
#include "sockbroker/addr.h"
#include "sockbroker/netinfo.h"
#include "sockbroker/sockbroker.h"
#include "sockbroker/socket.h"

static struct addrinfo *freeaddrinfo_null(struct addrinfo *ai)
{
        if (ai)
                freeaddrinfo(ai);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct addrinfo *, freeaddrinfo_null)

int eai_error(int eai, int saved_errno)
{
        if (eai == 0)
                return 0;
        if (eai == EAI_SYSTEM)
                return saved_errno > 0 ? saved_errno : EIO;
        return SB_EAI_ERRNO(eai);
}

/* A new socket's mode: the default timeout, unless SOCK_NONBLOCK was
 * asked for. Takes fd; closes it on failure. */
static int created(int fd, int type_flags)
{
        int r;

        if (fd < 0 || (type_flags & SOCK_NONBLOCK))
                return fd;
        r = sock_apply_default_timeout(fd);
        if (r < 0) {
                safe_close(fd);
                errno = -r;
                return -1;
        }
        return fd;
}

SB_EXPORT int sb_socket(int family, int type, int protocol)
{
        int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct sb_spec spec;
        int fd, saved;

        sb_client_set_message(NULL, NULL);
        fd = socket(family, type | SOCK_CLOEXEC, protocol);
        if (fd >= 0)
                return created(fd, flags);
        if (errno != EPERM && errno != EACCES)
                return -1;
        saved = errno;

        if (protocol < 0 || protocol > 0xffff) {
                errno = saved;
                return -1;
        }
        (void)sb_spec_from_socket(family, type, protocol, NULL, &spec);
        fd = sb_client_open(&spec, flags);
        if (fd < 0) {
                /* The caller sees what the kernel said, as if no broker
                 * existed; sb_broker_message() has the broker's side. */
                errno = saved;
                return -1;
        }
        return created(fd, flags);
}

SB_EXPORT int sb_open(const char *spec_text, int flags)
{
        char why[SB_PROTO_MAX_REASON];
        struct sb_spec spec;
        int r;

        sb_client_set_message(NULL, NULL);
        if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
                errno = EINVAL;
                return -1;
        }
        r = sb_spec_parse(spec_text, &spec, why, sizeof(why));
        if (r < 0) {
                sb_client_set_message(why, NULL);
                errno = -r;
                return -1;
        }
        r = sb_client_open(&spec, flags);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        return created(r, flags);
}

/* getaddrinfo(3) of host and service (NULL or "": port 0); the EAI code,
 * or 0. */
static int resolve(const char *host, const char *service, int family, int flags,
                   struct addrinfo **ret)
{
        struct addrinfo hints = {
                .ai_family = family,
                .ai_socktype = SOCK_STREAM,
                .ai_flags = flags,
        };

        return getaddrinfo(host, service && service[0] ? service : "0", &hints, ret);
}

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

/* Binds fd to the source address of its family; 0 or an errno value. */
static int bind_source(int fd, int family, const char *host, const char *service)
{
        _cleanup_(freeaddrinfo_nullp) struct addrinfo *res = NULL;
        int eai;

        eai = resolve(host && host[0] ? host : NULL, service, family, AI_PASSIVE, &res);
        if (eai != 0)
                return eai_error(eai, errno);
        if (sb_bind(fd, res->ai_addr, res->ai_addrlen) < 0)
                return errno;
        return 0;
}

/* One attempt; a descriptor, or -1 with *ret_error as for bind_source(). */
static int connect_one(const struct addrinfo *ai, int64_t timeout_usec,
                       const char *source_host, const char *source_service, int *ret_error)
{
        _cleanup_close_ int fd = -1;
        int r;

        fd = sb_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
                *ret_error = errno;
                return -1;
        }
        /* The order of the reference: timeout, source address, connect.
         * Always set, since sb_socket() gave the default timeout. */
        r = sock_set_timeout(fd, timeout_usec);
        if (r < 0) {
                *ret_error = -r;
                return -1;
        }
        if ((source_host && source_host[0]) || (source_service && source_service[0])) {
                r = bind_source(fd, ai->ai_family, source_host, source_service);
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

SB_EXPORT int sb_create_connection_service(const char *host, const char *service,
                                           double timeout, const char *source_host,
                                           const char *source_service, int flags,
                                           struct sb_attempt *attempts, size_t *n_attempts)
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

        eai = resolve(host, service, AF_UNSPEC, 0, &res);
        if (eai != 0) {
                int e = eai_error(eai, errno);

                attempts_add(&a, NULL, 0, e);
                if (n_attempts)
                        *n_attempts = a.n;
                errno = e;
                return -1;
        }

        for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                int fd, error = 0;

                fd = connect_one(ai, timeout_usec, source_host, source_service, &error);
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
        errno = last > 0 ? last : EIO;
        return -1;
}

SB_EXPORT int sb_create_connection(const char *host, uint16_t port, double timeout,
                                   const char *source_host, uint16_t source_port,
                                   int flags, struct sb_attempt *attempts,
                                   size_t *n_attempts)
{
        char service[sizeof("65535")], source_service[sizeof("65535")] = "";

        snprintf(service, sizeof(service), "%u", (unsigned)port);
        if (source_port != 0)
                snprintf(source_service, sizeof(source_service), "%u", (unsigned)source_port);
        return sb_create_connection_service(host, service, timeout, source_host,
                                            source_service, flags, attempts, n_attempts);
}

SB_EXPORT int sb_has_ipv6(void)
{
        _cleanup_close_ int fd = -1;

        fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        return fd >= 0;
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
        char service[sizeof("65535")];
        int eai;

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

        snprintf(service, sizeof(service), "%u", (unsigned)port);
        eai = resolve(host && host[0] ? host : NULL, service, family, AI_PASSIVE, &res);
        if (eai != 0) {
                errno = eai_error(eai, errno);
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
        return TAKE_FD(fd);     /* with the default timeout, from sb_socket() */
}

/* ---- host names in address text ------------------------------------------ */

/*
 * Splits an AF_INET "host:port" or AF_INET6 "[host%scope]:port,flow" into
 * the host name (without the scope) and what surrounds it, so the text
 * can be rebuilt around a numeric address. Returns 0 or -EINVAL.
 */
static int split_host(int family, const char *text, char *host, size_t host_size,
                      const char **ret_rest)
{
        const char *start = text, *end;

        if (family == AF_INET) {
                end = strrchr(text, ':');
        } else {
                if (text[0] != '[')
                        return -EINVAL;
                start = text + 1;
                end = strchr(start, ']');
                if (end && memchr(start, '%', (size_t)(end - start)))
                        end = memchr(start, '%', (size_t)(end - start));
        }
        if (!end || end == start || (size_t)(end - start) >= host_size)
                return -EINVAL;
        memcpy(host, start, (size_t)(end - start));
        host[end - start] = '\0';
        *ret_rest = end;
        return 0;
}

int sb_addr_parse_flags(int family, int protocol, const char *text, int flags,
                        struct sockaddr_storage *ss, socklen_t *len)
{
        struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM };
        _cleanup_(freeaddrinfo_nullp) struct addrinfo *ai = NULL;
        char host[NI_MAXHOST], numeric[INET6_ADDRSTRLEN], *rebuilt = NULL;
        const char *rest;
        int r, eai;

        if (flags & ~SB_ADDR_RESOLVE) {
                errno = EINVAL;
                return -1;
        }
        r = sb_addr_parse(family, protocol, text, ss, len);
        if (r == 0 || !(flags & SB_ADDR_RESOLVE) || errno != EINVAL ||
            (family != AF_INET && family != AF_INET6))
                return r;
        if (split_host(family, text, host, sizeof(host), &rest) < 0) {
                errno = EINVAL;
                return -1;
        }

        eai = getaddrinfo(host, NULL, &hints, &ai);
        if (eai != 0 || !ai) {
                errno = eai ? eai_error(eai, errno) : SB_EAI_ERRNO(EAI_NONAME);
                return -1;
        }
        if (!inet_ntop(family, family == AF_INET ?
                       (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr :
                       (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
                       numeric, sizeof(numeric))) {
                errno = EINVAL;
                return -1;
        }
        if (asprintf(&rebuilt, "%s%s%s", family == AF_INET6 ? "[" : "", numeric, rest) < 0) {
                errno = ENOMEM;
                return -1;
        }
        r = sb_addr_parse(family, protocol, rebuilt, ss, len);
        free(rebuilt);
        return r;
}
