/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netinfo.c - interface names, getfqdn() and error texts of the mirror.
 *
 * libc has if_nameindex(3), if_nametoindex(3) and if_indextoname(3); the
 * versions here add what their interfaces lack: a length for the output
 * buffer, a count, and -1 with errno for every failure (if_nametoindex(3)
 * answers 0). getfqdn() follows the reference's algorithm step by step
 * (CPython's Lib/socket.py), with gethostbyaddr_r(3) in a bounded buffer
 * so that it is safe in threads.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "sockbroker/netinfo.h"

static_assert(SB_IF_NAMESIZE == IF_NAMESIZE, "SB_IF_NAMESIZE");
static_assert(SB_FQDN_MAX == NI_MAXHOST, "SB_FQDN_MAX");

/* The largest buffer gethostbyaddr_r(3) gets for names and aliases. */
#define HOSTENT_BUF_MAX (64u * 1024u)

static int fail(int r)
{
        errno = -r;
        return -1;
}

/* Copies text into buf, whole or not at all. */
static int copy_out(const char *text, char *buf, size_t size)
{
        size_t len = strlen(text);

        if (!buf && size > 0)
                return -EINVAL;
        if (len >= size) {
                if (size > 0)
                        buf[0] = '\0';
                return -ENOSPC;
        }
        memcpy(buf, text, len + 1);
        return 0;
}

/* ---- interfaces --------------------------------------------------------- */

SB_EXPORT int sb_if_nameindex(struct sb_if_nameindex **ret_list, size_t *ret_n)
{
        struct if_nameindex *ni;
        struct sb_if_nameindex *list;
        size_t n = 0;

        if (!ret_list || !ret_n)
                return fail(-EINVAL);
        ni = if_nameindex();
        if (!ni)
                return -1;
        while (ni[n].if_index != 0)
                n++;

        list = calloc(n + 1, sizeof(*list));
        if (!list) {
                if_freenameindex(ni);
                return fail(-ENOMEM);
        }
        for (size_t i = 0; i < n; i++) {
                list[i].index = ni[i].if_index;
                /* Kernel names are shorter than IF_NAMESIZE; a longer one
                 * would be cut, never overrun. */
                snprintf(list[i].name, sizeof(list[i].name), "%s", ni[i].if_name);
        }
        if_freenameindex(ni);

        *ret_list = list;
        *ret_n = n;
        return 0;
}

SB_EXPORT struct sb_if_nameindex *sb_if_nameindex_free(struct sb_if_nameindex *list)
{
        free(list);
        return NULL;
}

SB_EXPORT int sb_if_nametoindex(const char *name)
{
        unsigned idx;

        if (!name)
                return fail(-EINVAL);
        /* No interface can have such a name; do not ask the kernel. */
        if (name[0] == '\0' || strnlen(name, IF_NAMESIZE) >= IF_NAMESIZE)
                return fail(-ENODEV);

        errno = 0;
        idx = if_nametoindex(name);
        if (idx == 0)
                return fail(errno > 0 ? -errno : -ENODEV);
        if (idx > INT32_MAX)
                return fail(-EOVERFLOW);
        return (int)idx;
}

SB_EXPORT int sb_if_indextoname(unsigned int index, char *buf, size_t size)
{
        char name[IF_NAMESIZE] = "";
        int r;

        if (!buf && size > 0)
                return fail(-EINVAL);
        if (size > 0)
                buf[0] = '\0';
        if (index == 0)
                return fail(-ENXIO);
        if (!if_indextoname(index, name))
                return fail(errno == ENODEV || errno <= 0 ? -ENXIO : -errno);
        name[sizeof(name) - 1] = '\0';
        r = copy_out(name, buf, size);
        return r < 0 ? fail(r) : 0;
}

/* ---- getfqdn ------------------------------------------------------------ */

/* The first of the primary name and its aliases that has a dot, else the
 * primary name, of the host at the address of name; -errno when a lookup
 * fails. */
static int fqdn_lookup(const char *name, char *out, size_t size)
{
        struct addrinfo hints = { .ai_family = AF_UNSPEC }, *ai = NULL;
        _cleanup_free_ char *buf = NULL;
        struct hostent he, *result = NULL;
        const void *addr;
        socklen_t addrlen;
        size_t buflen = 1024;
        const char *pick;
        int h_err = 0, r;

        /* The reference's gethostbyaddr() takes a name too: its first
         * address is what is looked up. */
        if (getaddrinfo(name, NULL, &hints, &ai) != 0 || !ai)
                return -ENXIO;
        switch (ai->ai_family) {
        case AF_INET:
                addr = &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
                addrlen = sizeof(struct in_addr);
                break;
        case AF_INET6:
                addr = &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
                addrlen = sizeof(struct in6_addr);
                break;
        default:
                freeaddrinfo(ai);
                return -EAFNOSUPPORT;
        }

        for (;;) {
                free(buf);
                buf = malloc(buflen);
                if (!buf) {
                        freeaddrinfo(ai);
                        return -ENOMEM;
                }
                r = gethostbyaddr_r(addr, addrlen, ai->ai_family, &he, buf, buflen, &result,
                                    &h_err);
                if (r != ERANGE || buflen >= HOSTENT_BUF_MAX)
                        break;
                buflen *= 2;
        }
        freeaddrinfo(ai);
        if (r != 0 || !result || !he.h_name)
                return -ENXIO;

        pick = he.h_name;
        if (!strchr(pick, '.'))
                for (char **alias = he.h_aliases; alias && *alias; alias++)
                        if (strchr(*alias, '.')) {
                                pick = *alias;
                                break;
                        }
        return copy_out(pick, out, size);
}

SB_EXPORT int sb_getfqdn(const char *name, char *buf, size_t size)
{
        char host[SB_FQDN_MAX];
        const char *start, *end;
        size_t len;
        int r;

        if (!buf && size > 0)
                return fail(-EINVAL);
        if (size > 0)
                buf[0] = '\0';

        /* Python's str.strip(): white space off both ends. */
        start = name ? name : "";
        while (*start && isspace((unsigned char)*start))
                start++;
        end = start + strlen(start);
        while (end > start && isspace((unsigned char)end[-1]))
                end--;
        len = (size_t)(end - start);
        if (len >= sizeof(host))
                return fail(-ENAMETOOLONG);
        memcpy(host, start, len);
        host[len] = '\0';

        if (len == 0 || streq(host, "0.0.0.0") || streq(host, "::")) {
                if (gethostname(host, sizeof(host)) < 0)
                        return -1;
                host[sizeof(host) - 1] = '\0';
        }

        r = fqdn_lookup(host, buf, size);
        if (r == -ENOSPC)
                return fail(r);
        if (r < 0) {
                /* No name found: the name itself, as the reference. */
                r = copy_out(host, buf, size);
                if (r < 0)
                        return fail(r);
        }
        return 0;
}

/* ---- error text --------------------------------------------------------- */

SB_EXPORT int sb_is_gaierror(int err)
{
        /* glibc's codes run from -1 to -105; the range leaves room. */
        return err > SB_EAI_BASE && err < SB_EAI_BASE + 0x1000;
}

SB_EXPORT int sb_gaierror_code(int err)
{
        return sb_is_gaierror(err) ? SB_EAI_BASE - err : 0;
}

SB_EXPORT const char *sb_strerror(int error, char *buf, size_t size)
{
        char tmp[SB_STRERROR_MAX];
        const char *text;

        if (!buf || size == 0)
                return "";
        if (sb_is_gaierror(error))
                error = sb_gaierror_code(error);
        if (error < 0)
                text = gai_strerror(error);
        else
                text = strerror_r(error, tmp, sizeof(tmp));
        snprintf(buf, size, "%s", text ? text : "Unknown error");
        return buf;
}
